"""The HTTP surface under hostile input: masked URLs, a feed that always parses, failing
sources in readiness and metrics, and a daily cap on JOIN."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree as ET

import aiohttp
import pytest
from aiohttp import web

from notifier.config import parse_config
from notifier.service import Service
from notifier.sources.parse import parse_bytes
from notifier.web.app import create_app
from tests.fakes.twilio_api import FakeTwilioApi
from tests.test_web import SECRET, Running

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_2b99838c51a8518c.txt"
HOOK = "http://feeder:pa55@127.0.0.1:9/hook?token=t0k3n&area=kz"


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "aktobe.txt")
    async with FakeTwilioApi() as twilio:
        config = parse_config(
            f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
sources:
  - {{id: inbox, type: dir, path: {inbox}, baseline: false, trust: official}}
  - {{id: gone, type: dir, path: {tmp_path / "missing"}}}
webhooks:
  - {{id: newsroom, url: "{HOOK}", secret: "{SECRET}", areas: [KZ]}}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
  inbound_join: true
  join_max_per_day: 3
""",
            environ={},
        )
        service = Service(config, echo=lambda _: None, start_scheduler=False)
        runner = web.AppRunner(create_app(service), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with service:
            yield Running(service, base, twilio, None, inbox)  # type: ignore[arg-type]
        await runner.cleanup()


async def test_urls_with_credentials_are_masked_in_the_api(running: Running) -> None:
    await running.poll()
    [subscriber] = [s for s in (await running.get("/api/subscribers"))["subscribers"]]
    [hook] = subscriber["contacts"]
    assert hook["address"] == "http://***@127.0.0.1:9/hook?token=***&area=kz"
    deliveries = (await running.get("/api/deliveries"))["deliveries"]
    [row] = [d for d in deliveries if d["channel"] == "webhook"]
    assert row["address"] == "http://***@127.0.0.1:9/hook?token=***&area=kz"
    # Not delivered: 127.0.0.1 is refused without network.allow, and the reason says so.
    assert row["status"] == "dead"
    assert "127.0.0.1 (loopback address) is refused" in row["last_error"]
    assert "pa55" not in str(deliveries) and "t0k3n" not in str(deliveries)


async def test_failing_sources_show_in_readiness_metrics_and_the_status_page(
    running: Running,
) -> None:
    assert (await running.get("/readyz"))["status"] == "ok"
    await running.service.poll_source(running.service.config.sources[1])
    ready = await running.get("/readyz")  # still ready: a source is not this replica's fault
    assert ready["ready"] is True
    assert ready["status"] == "degraded"
    [failing] = ready["failing_sources"]
    assert failing["id"] == "gone"
    assert failing["error"].endswith("missing does not exist or is not a folder")
    metrics = await running.get("/metrics")
    assert 'notifier_source_failing{source="gone"} 1.0' in metrics
    page = await running.get("/")
    sources = page.split('<section id="sources"')[1].split("</section>")[0]
    assert '<td data-label="Source">gone <span class="scheme">(dir)</span></td>' in sources
    assert '<span class="kind">failing</span>' in sources


async def test_the_atom_feed_parses_after_a_document_full_of_control_characters(
    running: Running,
) -> None:
    controls = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
    text = SEED.read_text().replace("Aktobe", f"Aktobe{controls}", 1)
    [doc] = parse_bytes(text.encode(), source_id="inbox", name="controls.txt")
    assert await running.service.ingest(doc) >= 1
    [event] = await running.service.store.recent_events()
    assert any(ch in event["evidence"] for ch in controls)  # the event keeps what it read
    async with aiohttp.ClientSession() as s, s.get(running.base + "/feed.atom") as r:
        body = await r.read()
    feed = ET.fromstring(body)  # well-formed XML
    [entry] = feed.findall("{http://www.w3.org/2005/Atom}entry")
    summary = entry.findtext("{http://www.w3.org/2005/Atom}summary") or ""
    assert "Aktobe" in summary and not any(ch in summary for ch in controls)


async def test_join_is_capped_per_number_per_day(running: Running) -> None:
    joiner = "+77051234567"
    for area in ("Aktobe", "Almaty", "Astana"):
        assert (await running.text_in(joiner, f"JOIN {area}")).startswith("Subscribed to")
    assert await running.text_in(joiner, "JOIN Shymkent") == (
        "You joined 3 areas today, the most a number may in a day. Try tomorrow."
    )
    assert (await running.text_in(joiner, "JOIN Astana")).startswith("You already follow")
    assert (await running.text_in("+77051234568", "JOIN Shymkent")).startswith("Subscribed")
    members = {m.id: m.areas for m in await running.service.services.subscribers.sms_members()}
    assert sorted(members["sms:77051234567"]) == ["KZ-AKT-AKTOBE", "KZ-ALA", "KZ-AST"]
