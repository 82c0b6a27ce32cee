"""The HTTP surface against a running service: JSON API, metrics, Twilio callbacks, review."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import feedparser
import pytest
from aiohttp import web

from notifier.config import parse_config
from notifier.service import Service
from notifier.sources.parse import parse_bytes
from notifier.web.app import create_app
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.webhook_consumer import WebhookConsumer

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_2b99838c51a8518c.txt"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RU, EN = "+77012345678", "+77771234567"
LIFT = (
    "Kazakhstan lifts red terror alert in Aktobe\n\n"
    "The red level of terrorist threat has been lifted in the city of Aktobe, "
    "the Anti-Terrorism Center said on Tuesday.\n"
)


@dataclass
class Running:
    service: Service
    base: str
    twilio: FakeTwilioApi
    consumer: WebhookConsumer
    inbox: Path

    async def poll(self) -> None:
        await self.service.poll_source(self.service.config.sources[0])
        await self.service.outbox.drain(10)

    async def get(self, path: str, status: int = 200) -> Any:
        async with aiohttp.ClientSession() as s, s.get(self.base + path) as r:
            assert r.status == status, await r.text()
            return await r.json() if r.content_type == "application/json" else await r.text()

    async def text_in(self, sender: str, body: str) -> str:
        """An inbound SMS as Twilio would post it; returns the reply's text."""
        url = self.base + "/twilio/inbound"
        form = {"From": sender, "Body": body}
        headers = {"X-Twilio-Signature": self.twilio.signature(url, form)}
        async with aiohttp.ClientSession() as s, s.post(url, data=form, headers=headers) as r:
            assert r.status == 200
            xml = await r.text()
        return xml.split("<Message>")[1].split("</Message>")[0] if "<Message>" in xml else ""

    async def post_form(
        self, path: str, form: dict[str, str], *, sign: bool = True
    ) -> aiohttp.ClientResponse:
        url = self.base + path
        headers = {"X-Twilio-Signature": self.twilio.signature(url, form) if sign else "forged"}
        async with aiohttp.ClientSession() as s, s.post(url, data=form, headers=headers) as r:
            await r.read()
            return r


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "aktobe.txt")
    async with FakeTwilioApi() as twilio, WebhookConsumer(SECRET) as consumer:
        config = parse_config(
            f"""
data_dir: {tmp_path / "data"}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
sources:
  - {{id: inbox, type: dir, path: {inbox}, baseline: false, min_confidence: 0.3,
      trust: official}}
subscribers:
  - {{id: aktobe-ru, phone: "{RU}", language: ru, areas: [KZ-AKT]}}
  - {{id: desk-en, phone: "{EN}", language: en, areas: [KZ]}}
webhooks:
  - {{id: newsroom, url: "{consumer.url}", secret: "{SECRET}", areas: [KZ]}}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
  inbound_join: true
outbox: {{retry_schedule_s: [60], jitter_ratio: 0}}
network: {{allow: ["127.0.0.0/8"]}}  # the webhook consumer is a local test server
""",
            environ={},
        )
        service = Service(config, echo=lambda _: None, start_scheduler=False)
        runner = web.AppRunner(create_app(service), access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with service:
            yield Running(service, base, twilio, consumer, inbox)
        await runner.cleanup()


async def test_api_shows_levels_events_deliveries_sources_and_metrics(running: Running) -> None:
    await running.poll()
    levels = (await running.get("/api/levels"))["levels"]
    assert [(x["area"]["id"], x["level"], x["severity"]) for x in levels] == [
        ("KZ-AKT-AKTOBE", "red", "extreme")
    ]
    [event] = (await running.get("/api/events"))["events"]
    assert (event["kind"], event["area_name"], event["level"]) == ("issued", "Aktobe", "red")
    sent = (await running.get("/api/deliveries?status=sent"))["deliveries"]
    assert sorted(d["channel"] for d in sent) == ["twilio_sms", "twilio_sms", "webhook"]
    assert all(d["event_id"] == event["id"] for d in sent)
    assert sorted(d["address"] for d in sent if d["channel"] == "twilio_sms") == [
        "+7701****678",
        "+7777****567",
    ]
    [source] = (await running.get("/api/sources"))["sources"]
    assert (source["id"], source["status"], source["seen"]) == ("inbox", "ok", 1)
    assert (await running.get("/readyz")) == {
        "ready": True,
        "problems": [],
        "degraded": [],
        "status": "ok",
        "failing_sources": [],
    }
    metrics = await running.get("/metrics")
    assert 'notifier_transitions_total{kind="issued"}' in metrics
    assert 'notifier_outbox_rows{status="sent"} 3.0' in metrics


async def test_api_rejects_bad_query_parameters(running: Running) -> None:
    bad = {
        "/api/events?limit=ten": "limit must be a whole number, not 'ten'",
        "/api/events?limit=0": "limit must be between 1 and 1000",
        "/api/deliveries?status=lost": "status must be one of pending, claimed, sent, dead, suppressed, superseded",
    }
    for path, message in bad.items():
        assert await running.get(path, 400) == {
            "error": {"code": "bad_request", "message": message}
        }


async def test_twilio_status_callbacks_are_verified_and_never_go_backwards(
    running: Running,
) -> None:
    await running.poll()
    sid = next(m["sid"] for m in running.twilio.messages if m["to"] == EN)
    url = running.base + "/twilio/status"
    assert await running.twilio.send_status_callback(sid, "delivered", url=url) == 204
    assert await running.twilio.send_status_callback(sid, "sent", url=url) == 204  # late, older
    form = {"MessageSid": sid, "MessageStatus": "failed"}
    assert (await running.post_form("/twilio/status", form, sign=False)).status == 403
    [row] = [
        d for d in (await running.get("/api/deliveries"))["deliveries"] if d["provider_id"] == sid
    ]
    assert row["provider_status"] == "delivered"


async def test_inbound_stop_and_start_change_who_hears_the_next_change(running: Running) -> None:
    await running.poll()
    assert len(running.twilio.messages) == 2
    stop = await running.post_form("/twilio/inbound", {"From": EN, "Body": " stop "})
    assert stop.status == 200
    (running.inbox / "lift.txt").write_text(LIFT, encoding="utf-8")
    await running.poll()
    # The lift reaches the Russian-speaking subscriber only: the English desk replied STOP.
    assert [m["to"] for m in running.twilio.messages[2:]] == [RU]
    start = await running.post_form("/twilio/inbound", {"From": EN, "Body": "START"})
    assert start.status == 200
    assert "desk-en" not in await running.service.store.blocked_subscribers()


async def test_help_keyword_gets_an_answer_and_forged_inbound_is_refused(running: Running) -> None:
    async with aiohttp.ClientSession() as s:
        form = {"From": EN, "Body": "HELP"}
        url = running.base + "/twilio/inbound"
        headers = {"X-Twilio-Signature": running.twilio.signature(url, form)}
        async with s.post(url, data=form, headers=headers) as r:
            assert r.status == 200
            assert "Reply STOP to stop" in await r.text()
    forged = await running.post_form("/twilio/inbound", {"From": EN, "Body": "STOP"}, sign=False)
    assert forged.status == 403
    assert await running.service.store.blocked_subscribers() == {}


async def test_twilio_21610_opts_the_subscriber_out_of_later_notices(running: Running) -> None:
    running.twilio.fail_always(EN, 21610)
    await running.poll()
    blocked = await running.service.store.blocked_subscribers()
    assert list(blocked) == ["desk-en"]
    (running.inbox / "lift.txt").write_text(LIFT, encoding="utf-8")
    await running.poll()
    attempts_to_en = [r for r in running.twilio.requests if r["form"].get("To") == EN]
    assert len(attempts_to_en) == 1  # the lift was not even tried


async def test_low_confidence_waits_for_review_and_approval_applies_it(
    running: Running, tmp_path: Path
) -> None:
    strict = running.service.config.sources[0].model_copy(update={"min_confidence": 0.999})
    await running.service.poll_source(strict)
    await running.service.outbox.drain(5)
    assert running.twilio.messages == []
    [item] = (await running.get("/api/review"))["review"]
    assert (item["announcement"]["level"], item["announcement"]["area"]["name"]) == (
        "red",
        "Aktobe",
    )
    store = running.service.store
    assert await store.decide_review(item["id"], "approved", running.service.clock()) is not None
    assert await running.service.levels.apply_approved() == 3
    await running.service.outbox.drain(5)
    assert len(running.twilio.messages) == 2
    assert (await running.get("/api/review?status=applied"))["review"][0]["id"] == item["id"]


async def test_status_page_shows_levels_and_changes_for_people(running: Running) -> None:
    assert "No level is in force anywhere." in await running.get("/")
    await running.poll()
    page = await running.get("/")
    assert '<span class="area-name">Aktobe</span>' in page
    assert '<span class="badge sev-extreme">red<span class="badge-sub"> · extreme' in page
    assert '<td data-label="Change"><span class="kind">issued</span></td>' in page
    assert "sent: 3" in page


async def test_own_atom_feed_carries_cap_that_notifier_itself_can_read(running: Running) -> None:
    await running.poll()
    async with aiohttp.ClientSession() as s, s.get(running.base + "/feed.atom") as r:
        assert r.status == 200
        assert r.content_type == "application/atom+xml"
        body = await r.read()
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    [entry] = parsed.entries
    assert entry.title == "Aktobe: kz level red (extreme) issued"
    [doc] = parse_bytes(body, source_id="loop", hint="cap")
    assert doc.cap is not None
    [event] = (await running.get("/api/events"))["events"]
    assert (doc.cap.identifier, doc.cap.status, doc.cap.msg_type) == (
        event["id"],
        "Actual",
        "Alert",
    )
    [info] = doc.cap.infos
    assert (info.categories, info.severity, info.urgency) == (("Security",), "Extreme", "Immediate")
    assert ("level", "red") in info.parameters
    assert info.areas[0].desc == "Aktobe"
    assert info.areas[0].geocodes == (("ISO3166", "KZ-AKT-AKTOBE"),)


async def test_subscribers_api_masks_numbers_and_shows_opt_outs(running: Running) -> None:
    await running.post_form("/twilio/inbound", {"From": EN, "Body": "STOP"})
    subscribers = (await running.get("/api/subscribers"))["subscribers"]
    seen = [
        (
            s["id"],
            s["origin"],
            s["read_only"],
            s["areas"],
            s["language"],
            [(c["key"], c["kind"], c["address"], c["blocked"]) for c in s["contacts"]],
        )
        for s in subscribers
    ]
    assert seen == [
        (
            "aktobe-ru",
            "config",
            True,
            ["KZ-AKT"],
            "ru",
            [("aktobe-ru", "sms", "+7701****678", None)],
        ),
        (
            "desk-en",
            "config",
            True,
            ["KZ"],
            "en",
            [("desk-en", "sms", "+7777****567", "replied STOP")],
        ),
        (
            "newsroom",
            "config",
            True,
            ["KZ"],
            "en",
            [("newsroom", "webhook", running.consumer.url, None)],
        ),
    ]
    assert all("secret" not in c for s in subscribers for c in s["contacts"])


async def test_join_and_leave_by_sms(running: Running) -> None:
    joiner = "+77051234567"
    assert await running.text_in(joiner, "JOIN Aktobe") == (
        "Subscribed to threat-level alerts for Aktobe. Reply LEAVE to stop."
    )
    assert await running.text_in(joiner, "join Aktobe") == (
        "You already follow threat-level alerts for Aktobe. Reply LEAVE to stop."
    )
    assert await running.text_in(joiner, "JOIN Atlantis") == (
        "'Atlantis' is not an area I know. Try e.g. JOIN Aktobe"
    )
    assert await running.text_in(joiner, "JOIN") == "Which area? Text e.g. JOIN Aktobe"
    await running.poll()
    [to_joiner] = [m for m in running.twilio.messages if m["to"] == joiner]
    assert to_joiner["body"].startswith("Aktobe: terror threat level RED")
    assert await running.text_in(joiner, "LEAVE Atlantis") == (
        "'Atlantis' is not an area I know. Try e.g. LEAVE Aktobe"
    )
    assert await running.text_in(joiner, "LEAVE") == "Stopped 1 subscription(s)."
    (running.inbox / "lift.txt").write_text(LIFT, encoding="utf-8")
    await running.poll()
    assert [m["to"] for m in running.twilio.messages].count(joiner) == 1


async def test_join_in_russian_gets_russian_alerts_and_shows_in_the_api(running: Running) -> None:
    joiner = "+77051234568"
    reply = await running.text_in(joiner, "JOIN Актобе")
    assert reply == (  # in Russian too: the words come from config/languages/ru.yaml
        "Вы подписались на оповещения об уровне террористической угрозы: Актобе. "
        "Ответьте LEAVE, чтобы отписаться."
    )
    members = [
        s
        for s in (await running.get("/api/subscribers"))["subscribers"]
        if s["id"].startswith("sms:")
    ]
    assert [(m["id"], m["areas"], m["language"]) for m in members] == [
        (f"sms:{joiner[1:]}", ["KZ-AKT-AKTOBE"], "ru")
    ]
    await running.poll()
    [to_joiner] = [m for m in running.twilio.messages if m["to"] == joiner]
    assert to_joiner["body"].startswith("Актобе:")


async def test_join_is_ignored_unless_the_operator_enables_it(running: Running) -> None:
    config = running.service.config
    running.service.config = config.model_copy(
        update={"twilio": config.twilio.model_copy(update={"inbound_join": False})}
    )
    assert await running.text_in("+77051234569", "JOIN Aktobe") == ""
    assert await running.service.store.sms_subscriptions() == []


async def test_level_in_force_for_an_area_is_its_own_or_inherited(running: Running) -> None:
    assert (await running.get("/api/levels/KZ-AKT-AKTOBE"))["levels"] == []
    await running.poll()
    aktobe = await running.get("/api/levels/KZ-AKT-AKTOBE")
    assert aktobe["area"] == {"id": "KZ-AKT-AKTOBE", "name": "Aktobe"}
    assert [(x["scheme"], x["level"], x["decided_for"]) for x in aktobe["levels"]] == [
        ("kz", "red", "KZ-AKT-AKTOBE")
    ]
    # The region around the city is not under the city's level; the city's level is not the
    # region's. A name works as well as an id.
    assert (await running.get("/api/levels/Aktobe%20Region"))["levels"] == []
    assert await running.get("/api/levels/Atlantis", 404) == {
        "error": {"code": "not_found", "message": "unknown area 'Atlantis'"}
    }


async def test_join_from_a_number_that_is_not_valid_cannot_break_routing(running: Running) -> None:
    # A sender the phone-number rules reject (unallocated range, stale metadata) once made every
    # router refresh raise: this JOIN answered 500, and so did every later JOIN, LEAVE and start.
    reply = await running.text_in("+10000000000", "JOIN Aktobe")
    assert reply == "Sorry, +10000000000 cannot receive alerts by SMS from here."
    joiner = "+77051234567"
    assert await running.text_in(joiner, "JOIN Aktobe") == (
        "Subscribed to threat-level alerts for Aktobe. Reply LEAVE to stop."
    )
    # A row stored before the rules changed is left out, with a warning, not fatal.
    await running.service.store.join("+10000000001", "KZ-AKT", "en", running.service.clock())
    await running.service.followers.refresh()
    assert [(m.id, m.areas) for m in await running.service.services.subscribers.sms_members()] == [
        ("sms:77051234567", ["KZ-AKT-AKTOBE"])
    ]


async def test_openapi_document_is_valid_matches_the_routes_and_real_responses(
    running: Running,
) -> None:
    import jsonschema
    from openapi_spec_validator import validate

    from notifier.web.openapi import api_routes

    await running.poll()
    (running.inbox / "lift.txt").write_text(LIFT, encoding="utf-8")  # held for review:
    strict = running.service.config.sources[0].model_copy(update={"min_confidence": 0.999})
    await running.service.poll_source(strict)
    doc = await running.get("/api/openapi.json")
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    served = {(method.lower(), path) for method, path, _ in api_routes(create_app(running.service))}
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented
    assert {path for _, path in documented} >= {
        "/api/levels",
        "/api/levels/{area_id}",
        "/api/events",
        "/api/deliveries",
        "/api/sources",
        "/api/review",
        "/api/subscribers",
        "/api/openapi.json",
    }
    assert doc["paths"]["/api/openapi.json"]["get"]["security"] == []
    assert doc["paths"]["/api/levels"]["get"]["x-scope"] == "read"
    limit = next(
        p for p in doc["paths"]["/api/events"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"] == {"default": 100, "maximum": 1000, "minimum": 1, "type": "integer"}

    def schema_of(template: str, status: int = 200) -> dict[str, Any]:
        body = doc["paths"][template]["get"]["responses"][str(status)]["content"]
        return {**body["application/json"]["schema"], "components": doc["components"]}

    samples = {
        "/api/levels": "/api/levels",
        "/api/levels/{area_id}": "/api/levels/Aktobe",
        "/api/events": "/api/events",
        "/api/deliveries": "/api/deliveries",
        "/api/sources": "/api/sources",
        "/api/review": "/api/review",
        "/api/subscribers": "/api/subscribers",
    }
    for template, url in samples.items():
        data = await running.get(url)
        assert any(data.values()), f"{url} answered nothing to check: {data}"
        jsonschema.Draft202012Validator(schema_of(template)).validate(data)
    not_found = await running.get("/api/levels/Atlantis", 404)
    jsonschema.Draft202012Validator(schema_of("/api/levels/{area_id}", 404)).validate(not_found)
    # The schemas are strict: a field a handler adds without its model fails here.
    level = (await running.get("/api/levels"))["levels"][0]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema_of("/api/levels")).validate(
            {"levels": [{**level, "extra": 1}]}
        )


async def test_an_open_circuit_shows_in_the_api_and_metrics(running: Running) -> None:
    from notifier.dispatch.outbox import BreakerPolicy

    assert (await running.get("/api/endpoints")) == {"endpoints": []}
    running.service.outbox.breaker = BreakerPolicy(failures=1, cooldown_s=600)
    running.consumer.script(503)
    await running.poll()
    [endpoint] = (await running.get("/api/endpoints"))["endpoints"]
    assert (endpoint["endpoint"], endpoint["state"], endpoint["consecutive_failures"]) == (
        "newsroom",
        "open",
        1,
    )
    assert endpoint["last_error"] == "HTTP 503"
    assert 'notifier_circuit_open{endpoint="newsroom"} 1.0' in await running.get("/metrics")
    page = await running.get("/")
    assert "circuit open" in page and "newsroom" in page and "HTTP 503" in page
