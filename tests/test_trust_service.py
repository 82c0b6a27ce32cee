"""The trust stage through the running service: real feeds, the real twilio client against a
fake Twilio API, webhook consumers that verify signatures, the scheduler, the HTTP API and
the operator's command line — on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import aiohttp
import pytest
from click.testing import CliRunner

from notifier.cli import main
from notifier.config import load_config
from notifier.service import Service
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.webhook_consumer import WebhookConsumer
from tests.test_e2e import FeedServer, get_json, serve_api, wait_until

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RU, EN = "+77012345678", "+77771234567"
AKTOBE = (
    "A red level of terrorist threat has been declared in the city of Aktobe, "
    "the Anti-Terrorism Center of Kazakhstan said."
)
ALMATY = (
    "A yellow level of terrorist threat has been declared in the city of Almaty, "
    "the Anti-Terrorism Center of Kazakhstan said."
)


def rss(*items: tuple[str, str]) -> bytes:
    """An RSS feed of (link, text) items published now."""
    when = format_datetime(datetime.now(UTC))
    body = "".join(
        f"<item><title>Terror threat level</title><link>{escape(link)}</link>"
        f"<guid>{escape(link)}</guid><pubDate>{when}</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for link, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
        f"<link>https://example.org</link>{body}</channel></rss>"
    ).encode()


def write_config(
    tmp_path: Path,
    database_url: str,
    twilio: FakeTwilioApi,
    wire: WebhookConsumer,
    newsroom: WebhookConsumer,
    sources: str,
) -> Path:
    file = tmp_path / "notifier.yaml"
    file.write_text(
        f"""
data_dir: {tmp_path / "data"}
storage: {{url: {json.dumps(database_url)}}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
network: {{allow: ["127.0.0.0/8"]}}  # the feeds, the fake Twilio and the consumers are local
sources:
{sources}
subscribers:
  - {{id: aktobe-ru, phone: "{RU}", language: ru, areas: [KZ-AKT]}}
  - {{id: desk-en, phone: "{EN}", language: en, areas: [KZ]}}
webhooks:
  - {{id: wire, url: "{wire.url}", secret: "{SECRET}", areas: [KZ], include_unconfirmed: true}}
  - {{id: newsroom, url: "{newsroom.url}", secret: "{SECRET}", areas: [KZ]}}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
outbox: {{retry_schedule_s: [0.2], jitter_ratio: 0, sweep_interval_s: 0.1}}
"""
    )
    return file


def feed_source(source_id: str, url: str, trust: str) -> str:
    return (
        f"  - {{id: {source_id}, type: rss, url: '{url}', interval_s: 1, jitter_s: 0, "
        f"baseline: false, trust: {trust}}}\n"
    )


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi() as api:
        yield api


@pytest.fixture
async def consumers() -> AsyncIterator[tuple[WebhookConsumer, WebhookConsumer]]:
    async with WebhookConsumer(SECRET) as wire, WebhookConsumer(SECRET) as newsroom:
        yield wire, newsroom


def types(consumer: WebhookConsumer) -> list[tuple[str, bool]]:
    return [(d["payload"]["type"], d["payload"]["data"]["confirmed"]) for d in consumer.deliveries]


async def test_media_waits_for_a_second_publisher_then_sms_go_out_once(
    tmp_path: Path,
    database_url: str,
    twilio: FakeTwilioApi,
    consumers: tuple[WebhookConsumer, WebhookConsumer],
) -> None:
    wire, newsroom = consumers
    async with (
        FeedServer(rss(("https://tengrinews.kz/news/aktobe", AKTOBE))) as first,
        FeedServer(rss()) as second,
    ):
        file = write_config(
            tmp_path,
            database_url,
            twilio,
            wire,
            newsroom,
            feed_source("tengri", first.url, "media") + feed_source("mt", second.url, "media"),
        )
        async with Service(load_config(file, environ={}), echo=lambda _: None) as service:
            runner, base = await serve_api(service)
            try:
                await wait_until(lambda: len(wire.deliveries) == 1)
                polls = first.requests, second.requests
                await wait_until(
                    lambda: first.requests >= polls[0] + 2 and second.requests >= polls[1] + 2
                )
                # A media report alone: no SMS, no change for the endpoint that did not opt in.
                assert (twilio.messages, newsroom.deliveries) == ([], [])
                assert types(wire) == [("level.reported", False)]
                held = await get_json(f"{base}/api/reports?status=unconfirmed")
                levels = await get_json(f"{base}/api/levels")
                async with aiohttp.ClientSession() as s, s.get(f"{base}/") as page:
                    html = await page.text()

                second.body = rss(("https://www.themoscowtimes.com/2016/aktobe", AKTOBE))
                await wait_until(
                    lambda: len(twilio.messages) == 2 and len(newsroom.deliveries) == 1
                )
                await wait_until(lambda: len(wire.deliveries) == 2)
                polls = first.requests, second.requests
                await wait_until(
                    lambda: first.requests >= polls[0] + 2 and second.requests >= polls[1] + 2
                )
                await asyncio.sleep(0.3)  # an outbox sweep or two
                after = await get_json(f"{base}/api/reports?status=confirmed")
            finally:
                await runner.cleanup()

    assert levels == {"levels": []}
    [report] = held["reports"]
    assert (report["area"]["id"], report["level"], report["needs"]) == (
        "KZ-AKT-AKTOBE",
        "red",
        "corroboration",
    )
    assert report["source"]["site"] == "tengrinews.kz"
    assert "Unconfirmed reports" in html and f"#{report['id']}" in html

    # Exactly once: two SMS, one change per endpoint, the report before it for `wire` only.
    assert sorted(m["to"] for m in twilio.messages) == sorted([RU, EN])
    assert types(newsroom) == [("level.issued", True)]
    assert types(wire) == [("level.reported", False), ("level.issued", True)]
    sources = newsroom.deliveries[0]["payload"]["data"]["sources"]
    assert [(s["source_id"], s["site"], s["trust"]) for s in sources] == [
        ("tengri", "tengrinews.kz", "media"),
        ("mt", "themoscowtimes.com", "media"),
    ]
    assert sorted(r["source"]["source_id"] for r in after["reports"]) == ["mt", "tengri"]


async def test_an_official_source_acts_at_once(
    tmp_path: Path, twilio: FakeTwilioApi, consumers: tuple[WebhookConsumer, WebhookConsumer]
) -> None:
    wire, newsroom = consumers
    async with FeedServer(rss(("https://knb.gov.kz/press/aktobe", AKTOBE))) as feed:
        file = write_config(
            tmp_path,
            f"sqlite+aiosqlite:///{tmp_path / 'o.db'}",
            twilio,
            wire,
            newsroom,
            feed_source("knb", feed.url, "official"),
        )
        async with Service(load_config(file, environ={}), echo=lambda _: None):
            await wait_until(lambda: len(twilio.messages) == 2 and len(wire.deliveries) == 1)
            await wait_until(lambda: len(newsroom.deliveries) == 1)
    assert types(wire) == [("level.issued", True)]  # no report first: nothing was unconfirmed
    [source] = wire.deliveries[0]["payload"]["data"]["sources"]
    assert (source["source_id"], source["trust"], source["site"]) == (
        "knb",
        "official",
        "knb.gov.kz",
    )


async def test_operators_confirm_and_dismiss_from_the_command_line(
    tmp_path: Path,
    database_url: str,
    twilio: FakeTwilioApi,
    consumers: tuple[WebhookConsumer, WebhookConsumer],
) -> None:
    wire, newsroom = consumers
    items = (
        ("https://tips.example.org/aktobe", AKTOBE),
        ("https://tips.example.org/almaty", ALMATY),
    )
    async with FeedServer(rss(*items)) as feed:
        file = write_config(
            tmp_path,
            database_url,
            twilio,
            wire,
            newsroom,
            feed_source("tips", feed.url, "unverified"),
        )
        cli = CliRunner()
        async with Service(load_config(file, environ={}), echo=lambda _: None) as service:
            runner, base = await serve_api(service)
            try:
                await wait_until(lambda: len(wire.deliveries) == 2)
                listing = await asyncio.to_thread(
                    cli.invoke, main, ["reports", "--config", str(file)]
                )
                pending = await asyncio.to_thread(
                    cli.invoke, main, ["review", "--config", str(file)]
                )
                ids = {
                    m.group(2): int(m.group(1))
                    for m in re.finditer(r"^#(\d+) \[.*?\] kz (\w+):", listing.output, re.M)
                }
                confirm = await asyncio.to_thread(
                    cli.invoke,
                    main,
                    ["reports", "--config", str(file), "confirm", str(ids["Aktobe"])],
                )
                dismiss = await asyncio.to_thread(
                    cli.invoke,
                    main,
                    ["reports", "--config", str(file), "dismiss", str(ids["Almaty"])],
                )
                again = await asyncio.to_thread(
                    cli.invoke,
                    main,
                    ["reports", "--config", str(file), "dismiss", str(ids["Aktobe"])],
                )
                # The service's review job runs every 5 s: "within seconds".
                await wait_until(lambda: len(twilio.messages) == 2, timeout_s=12)
                await wait_until(lambda: len(newsroom.deliveries) == 1)
                polls = feed.requests
                await wait_until(lambda: feed.requests >= polls + 2)
                dismissed = await get_json(f"{base}/api/reports?status=dismissed")
                review = await asyncio.to_thread(
                    cli.invoke, main, ["review", "--config", str(file)]
                )
            finally:
                await runner.cleanup()

    assert listing.exit_code == 0, listing.output
    assert "needs operator" in listing.output
    # `notifier review` shows them alongside the confidence review queue.
    assert pending.output.splitlines()[0] == (
        "2 unconfirmed reports (`notifier reports confirm|dismiss ID`):"
    )
    assert pending.output.splitlines()[1:] == listing.output.splitlines()
    assert confirm.output == (
        f"report #{ids['Aktobe']} confirmed; the running service applies it within seconds\n"
    )
    assert dismiss.output == (
        f"report #{ids['Almaty']} dismissed; it changes nothing and counts for nothing\n"
    )
    assert again.exit_code == 1
    assert f"report #{ids['Aktobe']} does not exist or is not unconfirmed" in again.output
    assert sorted(m["to"] for m in twilio.messages) == sorted([RU, EN])
    assert "Almaty" not in " ".join(m["body"] for m in twilio.messages)
    [change] = newsroom.deliveries
    assert change["payload"]["data"]["area"]["id"] == "KZ-AKT-AKTOBE"
    assert [r["area"]["id"] for r in dismissed["reports"]] == ["KZ-ALA"]
    assert review.output == "nothing to review\n"
