"""End to end: the seed article in an RSS feed becomes one SMS per subscriber and a signed webhook.

Everything is real and on 127.0.0.1: a feed server, the service with its scheduler and HTTP
API, the real twilio client posting to a fake Twilio API, a webhook consumer that verifies
signatures with the `standardwebhooks` library.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
import pytest
from aiohttp import web

from notifier.config import Config, parse_config
from notifier.service import Service
from notifier.web.app import create_app
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.webhook_consumer import WebhookConsumer

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_2b99838c51a8518c.txt"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SENDER = "+15005550006"
RU, EN = "+77012345678", "+77771234567"


def seed_rss() -> bytes:
    text = SEED.read_text(encoding="utf-8")
    title = "Red Terror Alert Declared After Attack in Kazakhstan"
    item = (
        f"<item><title>{escape(title)}</title>"
        "<link>https://www.themoscowtimes.com/2016/06/06/red-terror-alert-declared-a52975</link>"
        "<guid>https://www.themoscowtimes.com/2016/06/06/red-terror-alert-declared-a52975</guid>"
        "<pubDate>Mon, 06 Jun 2016 10:40:00 +0000</pubDate>"
        f"<description>{escape(text)}</description></item>"
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>The Moscow Times</title><link>https://www.themoscowtimes.com</link>{item}"
        "</channel></rss>"
    ).encode()


class FeedServer:
    """Serves one RSS document and counts the requests."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.requests = 0
        self.url = ""

    async def __aenter__(self) -> FeedServer:
        async def feed(request: web.Request) -> web.Response:
            self.requests += 1
            return web.Response(body=self.body, content_type="application/rss+xml")

        app = web.Application()
        app.router.add_get("/feed.xml", feed)
        self.runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/feed.xml"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


def make_config(
    tmp_path: Path,
    feed_url: str,
    twilio: FakeTwilioApi,
    consumer: WebhookConsumer,
    *,
    retry_s: float = 0.2,
    database_url: str | None = None,
) -> Config:
    text = f"""
data_dir: {tmp_path / "data"}
storage: {{url: {json.dumps(database_url)}}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
server: {{port: 0}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
sources:
  - {{id: moscow-times, type: rss, url: "{feed_url}", interval_s: 1, jitter_s: 0,
      baseline: false, min_confidence: 0.3, trust: official}}
subscribers:
  - {{id: aktobe-ru, phone: "{RU}", language: ru, areas: [KZ-AKT]}}
  - {{id: desk-en, phone: "{EN}", language: en, areas: [KZ]}}
  - {{id: almaty-only, phone: "+77012345699", language: en, areas: [KZ-ALA]}}
webhooks:
  - {{id: newsroom, url: "{consumer.url}", secret: "{SECRET}", areas: [KZ]}}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "{SENDER}"
  base_url: {twilio.base_url}
outbox: {{retry_schedule_s: [{retry_s}], jitter_ratio: 0, sweep_interval_s: 0.1}}
network: {{allow: ["127.0.0.0/8"]}}  # the feed and the consumer are local test servers
"""
    return parse_config(text, environ={})


async def wait_until(condition: Callable[[], bool], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {condition}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def feed() -> AsyncIterator[FeedServer]:
    async with FeedServer(seed_rss()) as server:
        yield server


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as api:
        yield api


async def serve_api(service: Service) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(service), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_seed_article_reaches_sms_subscribers_and_a_verified_webhook(
    tmp_path: Path, feed: FeedServer, twilio: FakeTwilioApi, database_url: str
) -> None:
    """On SQLite and, when NOTIFIER_TEST_POSTGRES_URL is set, on PostgreSQL."""
    async with WebhookConsumer(SECRET) as consumer:
        lines: list[str] = []
        config = make_config(tmp_path, feed.url, twilio, consumer, database_url=database_url)
        service = Service(config, echo=lines.append)
        async with service:
            runner, base = await serve_api(service)
            try:
                await wait_until(
                    lambda: len(consumer.deliveries) == 1 and len(twilio.messages) == 2
                )
                polls = feed.requests
                await wait_until(lambda: feed.requests >= polls + 2)  # later polls send nothing
                levels = await get_json(f"{base}/api/levels")
                health = await get_json(f"{base}/healthz")
            finally:
                await runner.cleanup()

    assert health == {"status": "ok"}
    [level] = levels["levels"]
    assert (level["scheme"], level["area"]["name"], level["level"], level["severity"]) == (
        "kz",
        "Aktobe",
        "red",
        "extreme",
    )

    [delivery] = consumer.deliveries
    payload = delivery["payload"]
    assert payload["type"] == "level.issued"
    assert payload["data"]["area"]["name"] == "Aktobe"
    assert (payload["data"]["level"], payload["data"]["severity"]) == ("red", "extreme")
    assert "red terror alert" in payload["data"]["evidence"].lower()
    assert len(consumer.attempts) == 1

    # Exactly one SMS per subscriber who follows Aktobe or the whole country; none for Almaty.
    assert sorted(m["to"] for m in twilio.messages) == sorted([RU, EN])
    assert all(m["from"] == SENDER for m in twilio.messages)
    assert all(set(m["form"]) >= {"To", "From", "Body"} for m in twilio.messages)
    assert all("MessagingServiceSid" not in m["form"] for m in twilio.messages)
    by_number = {m["to"]: m["body"] for m in twilio.messages}
    assert "Aktobe" in by_number[EN]
    assert "Актобе" in by_number[RU]
    assert any("Aktobe: red (extreme)" in line for line in lines)


async def test_restart_sends_nothing_twice_and_completes_unfinished_delivery(
    tmp_path: Path, feed: FeedServer, twilio: FakeTwilioApi
) -> None:
    async with WebhookConsumer(SECRET, script=[500]) as consumer:
        config = make_config(tmp_path, feed.url, twilio, consumer, retry_s=2.5)
        async with Service(config, echo=lambda _: None):
            await wait_until(lambda: len(consumer.attempts) == 1 and len(twilio.messages) == 2)
        # Stopped with the webhook still owed (its retry is due 2.5 s after the 500).
        assert consumer.deliveries == []

        async with Service(config, echo=lambda _: None) as again:
            await wait_until(lambda: len(consumer.deliveries) == 1)
            polls = feed.requests
            await wait_until(lambda: feed.requests >= polls + 2)
            counts = await again.store.delivery_counts()

    assert len(twilio.messages) == 2  # nothing sent twice across the restart
    assert len(consumer.deliveries) == 1
    assert consumer.webhook_ids[0] == consumer.webhook_ids[1]
    assert counts == {"sent": 3}


async def test_webhook_failing_twice_gets_the_notice_on_the_third_attempt(
    tmp_path: Path, feed: FeedServer, twilio: FakeTwilioApi
) -> None:
    async with (
        WebhookConsumer(SECRET, script=[500, 500]) as consumer,
        Service(make_config(tmp_path, feed.url, twilio, consumer), echo=lambda _: None) as svc,
    ):
        await wait_until(lambda: len(consumer.deliveries) == 1)
        [row] = [r for r in await svc.store.deliveries() if r["channel"] == "webhook"]

    assert [a["status"] for a in consumer.attempts] == [500, 500, 200]
    assert len(set(consumer.webhook_ids)) == 1
    assert consumer.webhook_ids[0] == row["id"]
    assert (row["status"], row["attempts"]) == ("sent", 3)


async def test_baseline_first_poll_notifies_nobody(
    tmp_path: Path, feed: FeedServer, twilio: FakeTwilioApi
) -> None:
    async with WebhookConsumer(SECRET) as consumer:
        config = make_config(tmp_path, feed.url, twilio, consumer)
        source = config.sources[0].model_copy(update={"baseline": True})
        config = config.model_copy(update={"sources": [source]})
        async with Service(config, echo=lambda _: None) as svc:
            await wait_until(lambda: feed.requests >= 2)
            levels = await svc.store.level_states()
            counts = await svc.store.delivery_counts()
    assert (levels, counts, twilio.messages, consumer.attempts) == ([], {}, [], [])
