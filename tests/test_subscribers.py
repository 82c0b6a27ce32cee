"""Subscribers with contacts in the database, over real HTTP on SQLite and PostgreSQL: the
/api/subscribers routes and their tokens, the YAML as a seed (start and reload), JOIN members
as subscribers, SMS + webhook contacts, pause, re-enable after 410, unblock after STOP, the
level in force told to a new subscriber, two replicas on one PostgreSQL, and the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from click.testing import CliRunner

from notifier.cli import main
from notifier.config import parse_config
from notifier.service import Service
from notifier.web.app import create_app
from notifier.web.auth import token_hash
from tests.fakes.twilio_api import FakeTwilioApi
from tests.fakes.webhook_consumer import Reply, WebhookConsumer

ROOT = Path(__file__).resolve().parents[1]
READER = "ntf_reader-token-for-the-subscriber-tests-0"
ADMIN = "ntf_admin-token-for-the-subscriber-tests-00"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RU, EN, NEW = "+77012345678", "+77771234567", "+77011234599"


def config_text(
    database_url: str, twilio: FakeTwilioApi, consumer: WebhookConsumer, followers: str = ""
) -> str:
    return f"""
storage: {{url: '{database_url}'}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
api:
  rate_per_s: 1000
  burst: 1000
  tokens:
    - {{name: dashboard, sha256: {token_hash(READER)}, scopes: [read]}}
    - {{name: ops, sha256: {token_hash(ADMIN)}, scopes: [admin]}}
twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
  inbound_join: true
outbox: {{retry_schedule_s: [60], jitter_ratio: 0}}
network: {{allow: ["127.0.0.0/8"]}}
{followers or DEFAULT_FOLLOWERS.format(url=consumer.url, secret=SECRET)}
"""


DEFAULT_FOLLOWERS = """
subscribers:
  - {{id: aktobe-ru, phone: "+77012345678", language: ru, areas: [KZ-AKT]}}
  - {{id: desk-en, phone: "+77771234567", language: en, areas: [KZ]}}
webhooks:
  - {{id: newsroom, url: "{url}", secret: "{secret}", areas: [KZ]}}
"""


@dataclass
class Running:
    service: Service
    base: str
    twilio: FakeTwilioApi
    consumer: WebhookConsumer

    async def call(
        self, method: str, path: str, body: Any = None, token: str | None = ADMIN
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        async with (
            aiohttp.ClientSession() as s,
            s.request(method, self.base + path, data=data, headers=headers) as r,
        ):
            payload = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, payload

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        got, payload = await self.call(method, path, body)
        assert got == status, payload
        return payload

    async def announce(self, area: str, level: str) -> dict[str, Any]:
        ask = {"scheme": "kz", "area": area, "level": level}
        return dict(await self.ok("POST", "/api/announcements", ask))

    async def text_in(self, sender: str, body: str) -> str:
        url = self.base + "/twilio/inbound"
        form = {"From": sender, "Body": body}
        headers = {"X-Twilio-Signature": self.twilio.signature(url, form)}
        async with aiohttp.ClientSession() as s, s.post(url, data=form, headers=headers) as r:
            assert r.status == 200
            xml = await r.text()
        return xml.split("<Message>")[1].split("</Message>")[0] if "<Message>" in xml else ""

    async def sent(self) -> list[tuple[str, str]]:
        """(subscriber key, channel) of every row sent so far, after draining the outbox."""
        await self.service.outbox.drain(10)
        rows = await self.service.store.deliveries(status="sent")
        return sorted((r["subscriber_id"], r["channel"]) for r in rows)


@contextlib.asynccontextmanager
async def serving(
    text: str, twilio: FakeTwilioApi, consumer: WebhookConsumer, config_file: Path | None = None
) -> AsyncIterator[Running]:
    service = Service(
        parse_config(text, environ={}),
        echo=lambda _: None,
        start_scheduler=False,
        config_file=config_file,
        reload_settle_s=0.01,
    )
    runner = web.AppRunner(create_app(service, {}), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        async with service:
            yield Running(service, f"http://127.0.0.1:{runner.addresses[0][1]}", twilio, consumer)
    finally:
        await runner.cleanup()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTwilioApi, WebhookConsumer]]:
    async with FakeTwilioApi() as twilio, WebhookConsumer(SECRET) as consumer:
        yield twilio, consumer


@pytest.fixture
async def running(
    database_url: str, fakes: tuple[FakeTwilioApi, WebhookConsumer]
) -> AsyncIterator[Running]:
    twilio, consumer = fakes
    async with serving(config_text(database_url, twilio, consumer), twilio, consumer) as r:
        yield r


def ops(consumer: WebhookConsumer, **extra: Any) -> dict[str, Any]:
    return {
        "id": "ops",
        "name": "Operations desk",
        "areas": ["Aktobe Region"],
        "language": "ru",
        "contacts": [
            {"kind": "sms", "phone": NEW},
            {"kind": "webhook", "url": consumer.url, "secret": SECRET},
        ],
        **extra,
    }


# --- the API ---------------------------------------------------------------------------------


async def test_crud_over_the_api_needs_tokens_and_answers_json_errors(running: Running) -> None:
    body = ops(running.consumer)
    assert (await running.call("GET", "/api/subscribers", token=None))[0] == 401
    status, denied = await running.call("POST", "/api/subscribers", body, token=READER)
    assert status == 403 and denied["error"]["code"] == "forbidden"
    created = await running.ok("POST", "/api/subscribers", body, status=201)
    assert (created["origin"], created["areas"], created["read_only"]) == ("api", ["KZ-AKT"], False)
    sms, hook = created["contacts"]
    assert (sms["kind"], sms["address"], sms["key"]) == ("sms", "+7701****599", f"ops@{sms['id']}")
    assert (hook["kind"], hook["address"], hook["blocked"]) == (
        "webhook",
        running.consumer.url,
        None,
    )
    assert SECRET not in json.dumps(created)
    status, listing = await running.call("GET", "/api/subscribers", token=READER)
    assert status == 200
    assert [s["id"] for s in listing["subscribers"]] == ["aktobe-ru", "desk-en", "newsroom", "ops"]
    assert (await running.ok("GET", "/api/subscribers/ops")) == created

    patched = await running.ok(
        "PATCH",
        "/api/subscribers/ops",
        {
            "areas": ["KZ"],
            "min_severity": "severe",
            "quiet_hours": {"start": "22:00", "end": "07:00"},
        },
    )
    assert (patched["areas"], patched["min_severity"], patched["language"]) == (
        ["KZ"],
        "severe",
        "ru",
    )
    assert patched["quiet_hours"] == {"start": "22:00:00", "end": "07:00:00", "timezone": "UTC"}
    cleared = await running.ok("PATCH", "/api/subscribers/ops", {"quiet_hours": None})
    assert cleared["quiet_hours"] is None and cleared["min_severity"] == "severe"

    more = await running.ok(
        "POST",
        "/api/subscribers/ops/contacts",
        {"kind": "sms", "phone": "+77011234598"},
        status=201,
    )
    assert len(more["contacts"]) == 3
    third = more["contacts"][2]["id"]
    fewer = await running.ok("DELETE", f"/api/subscribers/ops/contacts/{third}")
    assert [c["id"] for c in fewer["contacts"]] == [sms["id"], hook["id"]]
    assert (await running.ok("POST", "/api/subscribers/ops/pause"))["paused"] is True
    assert (await running.ok("POST", "/api/subscribers/ops/resume"))["paused"] is False

    # Errors: 422 naming the field, 404 unknown, 409 taken or read-only.
    errors = {
        (
            "POST",
            "/api/subscribers",
            json.dumps({**body, "id": "x", "contacts": [{"kind": "sms", "phone": "12"}]}),
        ): (
            422,
            "contacts[0].phone",
        ),
        ("POST", "/api/subscribers", json.dumps({**body, "id": "y", "areas": ["Atlantis"]})): (
            422,
            "areas[0]: unknown area 'Atlantis'",
        ),
        ("POST", "/api/subscribers", json.dumps(body)): (409, "exists already"),
        ("PATCH", "/api/subscribers/desk-en", json.dumps({"language": "ru"})): (
            409,
            "comes from the configuration file",
        ),
        ("DELETE", "/api/subscribers/newsroom", None): (409, "comes from the configuration file"),
        ("POST", "/api/subscribers/desk-en/contacts", json.dumps({"kind": "sms", "phone": NEW})): (
            409,
            "origin config",
        ),
        ("GET", "/api/subscribers/nobody", None): (404, "no subscriber 'nobody'"),
        ("DELETE", f"/api/subscribers/ops/contacts/{sms['id'] + 1000}", None): (404, "no contact"),
        ("DELETE", "/api/subscribers/ops/contacts/first", None): (404, "no contact 'first'"),
        ("POST", f"/api/subscribers/ops/contacts/{sms['id']}/enable", None): (
            422,
            "only a webhook contact can be re-enabled",
        ),
    }
    for (method, path, raw), (want, fragment) in errors.items():
        status, answer = await running.call(method, path, json.loads(raw) if raw else None)
        assert status == want, (path, answer)
        assert fragment in answer["error"]["message"], (path, answer)
    # The YAML's subscribers can still be paused (it survives reloads) and resumed.
    assert (await running.ok("POST", "/api/subscribers/desk-en/pause"))["paused"] is True
    assert (await running.ok("POST", "/api/subscribers/desk-en/resume"))["paused"] is False
    last = await running.call("DELETE", f"/api/subscribers/ops/contacts/{hook['id']}")
    assert last[0] == 200
    status, answer = await running.call("DELETE", f"/api/subscribers/ops/contacts/{sms['id']}")
    assert status == 422 and "last contact" in answer["error"]["message"]
    assert (await running.ok("DELETE", "/api/subscribers/ops"))["id"] == "ops"
    assert (await running.call("GET", "/api/subscribers/ops"))[0] == 404


async def test_hostile_subscriber_input_is_refused_with_422(running: Running) -> None:
    base = ops(running.consumer)
    hostile = [
        {**base, "id": "sms:77011234599"},  # JOIN's ids
        {**base, "id": "a@b"},  # contact keys
        {**base, "id": "x" * 101},
        {**base, "id": "ok", "areas": ["KZ"] * 101},
        {**base, "id": "ok", "areas": []},
        {**base, "id": "ok", "contacts": []},
        {**base, "id": "ok", "contacts": [{"kind": "sms", "phone": NEW}] * 21},
        {**base, "id": "ok", "contacts": [{"kind": "fax", "number": "1"}]},
        {**base, "id": "ok", "contacts": [{"kind": "webhook", "url": "ftp://x", "secret": SECRET}]},
        {
            **base,
            "id": "ok",
            "contacts": [{"kind": "webhook", "url": "http://x", "secret": "nope"}],
        },
        {**base, "id": "ok", "language": "english"},
        {**base, "id": "ok", "quiet_hours": {"start": 1320, "end": "07:00"}},
        {**base, "id": "ok", "surprise": True},
        {**base, "id": "ok", "areas": ["\x00" * 300]},
    ]
    for body in hostile:
        status, answer = await running.call("POST", "/api/subscribers", body)
        assert status == 422, (body, answer)
        assert answer["error"]["code"] == "invalid"
    status, answer = await running.call("POST", "/api/subscribers/ops/contacts", [1, 2])
    assert status == 400
    assert [s["id"] for s in (await running.ok("GET", "/api/subscribers"))["subscribers"]] == [
        "aktobe-ru",
        "desk-en",
        "newsroom",
    ]


# --- routing ---------------------------------------------------------------------------------


async def test_sms_and_webhook_contacts_both_get_it_and_a_paused_subscriber_nothing(
    running: Running,
) -> None:
    await running.ok("POST", "/api/subscribers", ops(running.consumer), status=201)
    [sms, hook] = (await running.ok("GET", "/api/subscribers/ops"))["contacts"]
    done = await running.announce("KZ-AKT", "orange")
    assert set(done["notified"]) >= {sms["key"], hook["key"]}
    sent = await running.sent()
    assert (sms["key"], "twilio_sms") in sent and (hook["key"], "webhook") in sent
    [to_ops] = [m for m in running.twilio.messages if m["to"] == NEW]
    assert "Актюбинская область" in to_ops["body"]  # in the subscriber's language
    assert {d["payload"]["data"]["level"] for d in running.consumer.deliveries} == {"orange"}

    await running.ok("POST", "/api/subscribers/ops/pause")
    done = await running.announce("KZ-AKT", "red")
    assert sms["key"] not in done["notified"] and hook["key"] not in done["notified"]
    assert "aktobe-ru" in done["notified"]
    await running.ok("POST", "/api/subscribers/ops/resume")
    done = await running.announce("KZ-AKT", "orange")
    assert {sms["key"], hook["key"]} <= set(done["notified"])
    # A silence of the subscriber mutes all its contacts (red is extreme: it says so).
    silence = {
        "subscriber": "ops",
        "ends": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "created_by": "t",
        "comment": "c",
        "include_extreme": True,
    }
    await running.ok("POST", "/api/silences", silence, status=201)
    done = await running.announce("KZ-AKT", "red")
    assert {m["subscriber"] for m in done["muted"]} == {sms["key"], hook["key"]}
    # An edit is routed at the next event (the router validates only what changed).
    await running.ok("PATCH", "/api/subscribers/ops", {"areas": ["KZ-ALA"]})
    done = await running.announce("KZ-AKT", "orange")
    assert not {sms["key"], hook["key"]} & {
        *done["notified"],
        *(m["subscriber"] for m in done["muted"]),
    }
    assert running.service.followers.router.follower(sms["key"]).areas == ["KZ-ALA"]  # type: ignore[union-attr]


async def test_a_new_subscriber_is_told_the_level_in_force(running: Running) -> None:
    await running.announce("KZ-AKT", "orange")
    before = len(await running.sent())
    created = await running.ok("POST", "/api/subscribers", ops(running.consumer), status=201)
    [sms, hook] = created["contacts"]
    sent = await running.sent()
    assert len(sent) == before + 2
    assert (sms["key"], "twilio_sms") in sent and (hook["key"], "webhook") in sent
    [to_ops] = [m for m in running.twilio.messages if m["to"] == NEW]
    assert "Актюбинская область" in to_ops["body"]
    told = [d for d in running.consumer.deliveries if d["payload"]["data"]["level"] == "orange"]
    assert len(told) == 2  # newsroom at the change, ops when it was created
    # Elsewhere there is no level: a subscriber of Almaty is told nothing.
    far = {**ops(running.consumer), "id": "far", "areas": ["KZ-ALA"]}
    far["contacts"] = [{"kind": "sms", "phone": "+77011234597"}]
    await running.ok("POST", "/api/subscribers", far, status=201)
    assert len(await running.sent()) == before + 2
    # A level below the minimum severity is not told either.
    picky = {**far, "id": "picky", "areas": ["KZ-AKT"], "min_severity": "extreme"}
    picky["contacts"] = [{"kind": "sms", "phone": "+77011234596"}]
    await running.ok("POST", "/api/subscribers", picky, status=201)
    assert len(await running.sent()) == before + 2


async def test_join_member_is_a_subscriber_and_is_told_the_level_in_force(
    running: Running,
) -> None:
    await running.announce("KZ-AKT", "orange")
    reply = await running.text_in(NEW, "JOIN Aktobe")
    assert reply.startswith("Subscribed to")
    member = await running.ok("GET", f"/api/subscribers/sms:{NEW[1:]}")
    assert (member["origin"], member["areas"], member["read_only"]) == (
        "sms",
        ["KZ-AKT-AKTOBE"],
        False,
    )
    assert [(c["kind"], c["key"]) for c in member["contacts"]] == [("sms", f"sms:{NEW[1:]}")]
    assert (f"sms:{NEW[1:]}", "twilio_sms") in await running.sent()
    [told] = [m for m in running.twilio.messages if m["to"] == NEW]
    assert "Aktobe" in told["body"]
    # A second area, then LEAVE of one, then LEAVE of all deletes the subscriber.
    await running.text_in(NEW, "JOIN Almaty")
    member = await running.ok("GET", f"/api/subscribers/sms:{NEW[1:]}")
    assert member["areas"] == ["KZ-AKT-AKTOBE", "KZ-ALA"]
    status, refused = await running.call(
        "POST", f"/api/subscribers/sms:{NEW[1:]}/contacts", {"kind": "sms", "phone": RU}
    )
    assert status == 409, refused
    assert (await running.text_in(NEW, "LEAVE Almaty")).startswith("Stopped 1")
    assert (await running.ok("GET", f"/api/subscribers/sms:{NEW[1:]}"))["areas"] == [
        "KZ-AKT-AKTOBE"
    ]
    await running.text_in(NEW, "LEAVE")
    assert (await running.call("GET", f"/api/subscribers/sms:{NEW[1:]}"))[0] == 404


async def test_reenable_a_webhook_contact_after_410(running: Running) -> None:
    async with WebhookConsumer(SECRET, default=410) as gone:
        contact = {"kind": "webhook", "url": gone.url, "secret": SECRET}
        body = {**ops(running.consumer), "contacts": [contact]}
        [hook] = (await running.ok("POST", "/api/subscribers", body, status=201))["contacts"]
        await running.announce("KZ-AKT", "orange")
        await running.sent()
        [contact] = (await running.ok("GET", "/api/subscribers/ops"))["contacts"]
        assert contact["blocked"] is not None and "410" in contact["blocked"]
        done = await running.announce("KZ-AKT", "red")
        assert hook["key"] not in done["notified"]
        gone.default = Reply(200)  # the consumer is back
        enabled = await running.ok("POST", f"/api/subscribers/ops/contacts/{hook['id']}/enable")
        assert enabled["contacts"][0]["blocked"] is None
        done = await running.announce("KZ-AKT", "orange")
        assert hook["key"] in done["notified"]
        assert (hook["key"], "webhook") in await running.sent()
        assert [d["payload"]["data"]["level"] for d in gone.deliveries] == ["orange"]


async def test_unblock_an_sms_contact_after_stop(running: Running) -> None:
    await running.text_in(EN, "STOP")
    [contact] = (await running.ok("GET", "/api/subscribers/desk-en"))["contacts"]
    assert contact["blocked"] == "replied STOP"
    assert "desk-en" not in (await running.announce("KZ", "orange"))["notified"]
    status, answer = await running.call(
        "POST", f"/api/subscribers/newsroom/contacts/{contact['id']}/unblock"
    )
    assert status == 404, answer  # that contact is not newsroom's
    unblocked = await running.ok(
        "POST", f"/api/subscribers/desk-en/contacts/{contact['id']}/unblock"
    )
    assert unblocked["contacts"][0]["blocked"] is None
    assert "desk-en" in (await running.announce("KZ", "red"))["notified"]
    # A STOP from a number also stops an API contact with that number.
    body = {**ops(running.consumer), "contacts": [{"kind": "sms", "phone": EN}]}
    [mine] = (await running.ok("POST", "/api/subscribers", body, status=201))["contacts"]
    await running.text_in(EN, "STOP")
    blocked = await running.service.store.blocked_subscribers()
    assert {"desk-en", mine["key"]} <= set(blocked)


# --- the YAML as a seed ----------------------------------------------------------------------


async def test_yaml_is_synced_at_start_and_reload_and_api_subscribers_stay(
    database_url: str, fakes: tuple[FakeTwilioApi, WebhookConsumer], tmp_path: Path
) -> None:
    twilio, consumer = fakes
    file = tmp_path / "notifier.yaml"
    text = config_text(database_url, twilio, consumer)
    file.write_text(text)
    async with serving(text, twilio, consumer, config_file=file) as running:
        await running.ok("POST", "/api/subscribers", ops(consumer), status=201)
        await running.ok("POST", "/api/subscribers/desk-en/pause")
        changed = text.replace(
            '  - {id: aktobe-ru, phone: "+77012345678", language: ru, areas: [KZ-AKT]}\n', ""
        ).replace("language: en, areas: [KZ]}", "language: kk, areas: [KZ-ALA]}")
        changed = changed.replace(
            "webhooks:", '  - {id: almaty, phone: "+77011234590", areas: [KZ-ALA]}\nwebhooks:'
        )
        file.write_text(changed)
        assert await running.service.reload("test"), running.service.last_reload
        listing = (await running.ok("GET", "/api/subscribers"))["subscribers"]
        seen = {s["id"]: (s["origin"], s["areas"], s["language"], s["paused"]) for s in listing}
        assert seen == {
            "almaty": ("config", ["KZ-ALA"], "en", False),
            "desk-en": ("config", ["KZ-ALA"], "kk", True),  # the operator's pause survives
            "newsroom": ("config", ["KZ"], "en", False),
            "ops": ("api", ["KZ-AKT"], "ru", False),
        }
        # The YAML may not take an id the API gave out: the reload is refused, nothing changes.
        file.write_text(changed.replace("id: almaty,", "id: ops,"))
        assert not await running.service.reload("test")
        assert "is a subscriber created through the API" in running.service.last_reload.errors[0]
        ids = [s["id"] for s in (await running.ok("GET", "/api/subscribers"))["subscribers"]]
        assert ids == ["almaty", "desk-en", "newsroom", "ops"]
    # A restart with the first file brings the first followers back, paused stays paused.
    async with serving(text, twilio, consumer) as running:
        listing = (await running.ok("GET", "/api/subscribers"))["subscribers"]
        assert [(s["id"], s["paused"]) for s in listing] == [
            ("aktobe-ru", False),
            ("desk-en", True),
            ("newsroom", False),
            ("ops", False),
        ]


# --- replicas --------------------------------------------------------------------------------


async def test_a_subscriber_created_through_one_replica_is_routed_by_the_other(
    database_url: str, fakes: tuple[FakeTwilioApi, WebhookConsumer]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two replicas share one PostgreSQL; SQLite runs one process")
    twilio, consumer = fakes
    text = config_text(database_url, twilio, consumer)
    async with serving(text, twilio, consumer) as a, serving(text, twilio, consumer) as b:
        await b.announce("KZ-ALA", "yellow")  # b has built its router before ops exists
        created = await a.ok("POST", "/api/subscribers", ops(consumer), status=201)
        keys = {c["key"] for c in created["contacts"]}
        done = await b.announce("KZ-AKT", "orange")
        assert keys <= set(done["notified"])
        # Either replica's outbox may claim the rows (a NOTIFY wakes both); whichever does, the
        # webhook contact a created is delivered (b asks the database for it when it claims).
        sent: set[str] = set()
        for _ in range(40):
            await asyncio.gather(a.service.outbox.drain(1), b.service.outbox.drain(1))
            rows = await b.service.store.deliveries(status="sent")
            sent = {r["subscriber_id"] for r in rows}
            if keys <= sent:
                break
            await asyncio.sleep(0.25)
        assert keys <= sent
        # A pause through b is obeyed by a.
        await b.ok("POST", "/api/subscribers/ops/pause")
        assert not keys & set((await a.announce("KZ-AKT", "red"))["notified"])


# --- the CLI ---------------------------------------------------------------------------------


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


async def test_cli_subscribers(
    database_url: str, fakes: tuple[FakeTwilioApi, WebhookConsumer], tmp_path: Path
) -> None:
    twilio, consumer = fakes
    file = tmp_path / "notifier.yaml"
    file.write_text(config_text(database_url, twilio, consumer))
    from notifier.store import Store

    store = await Store.open(database_url)  # what `notifier run` does first
    await store.close()
    conf = ["--config", str(file)]

    def run(*args: str) -> Awaitable[Any]:
        return asyncio.to_thread(invoke, "subscribers", *args, *conf)

    listed = await run("list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [s["id"] for s in json.loads(listed.output)["subscribers"]] == [
        "aktobe-ru",
        "desk-en",
        "newsroom",
    ]
    added = await run(
        "add", "ops", "--area", "Aktobe", "--sms", NEW, "--webhook", consumer.url,
        "--secret", SECRET, "--language", "ru", "--quiet", "22:00-07:00", "--timezone", "Asia/Almaty",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.startswith("created: ops (api, active) KZ-AKT-AKTOBE")
    shown = json.loads((await run("show", "ops", "--json")).output)
    assert shown["quiet_hours"]["timezone"] == "Asia/Almaty"
    assert [c["kind"] for c in shown["contacts"]] == ["sms", "webhook"]
    assert SECRET not in (await run("show", "ops")).output
    clash = tmp_path / "clash.yaml"  # a YAML follower may not take an id the API gave out
    clash.write_text(file.read_text().replace("id: desk-en,", "id: ops,"))
    refused = await asyncio.to_thread(invoke, "subscribers", "list", "--config", str(clash))
    assert refused.exit_code == 2 and "id ops is a subscriber created through the API" in (
        refused.output
    )
    edited = await run("edit", "ops", "--min-severity", "severe", "--no-quiet")
    assert edited.exit_code == 0, edited.output
    assert "≥severe" in edited.output
    assert (await run("pause", "ops")).output.startswith("paused: ops (api, paused)")
    assert (await run("resume", "ops")).exit_code == 0
    hook = shown["contacts"][1]["id"]
    assert (await run("enable", "ops", str(hook))).exit_code == 0
    wrong = await run("unblock", "ops", str(hook))
    assert wrong.exit_code == 2 and "only a sms contact" in wrong.output
    # Exit codes: 1 not found, 2 invalid or read-only.
    assert (await run("show", "nobody")).exit_code == 1
    assert (await run("remove", "nobody")).exit_code == 1
    read_only = await run("edit", "desk-en", "--language", "ru")
    assert read_only.exit_code == 2 and "configuration file" in read_only.output
    bad = await run("add", "bad", "--area", "KZ", "--sms", "12345")
    assert bad.exit_code == 2 and "phone" in bad.output
    assert (await run("add", "bad", "--area", "KZ")).exit_code == 2
    assert (await run("add", "bad", "--area", "KZ", "--sms", NEW, "--quiet", "late")).exit_code == 2
    assert (await run("add", "bad", "--area", "Atlantis", "--sms", NEW)).exit_code == 2
    assert (await run("edit", "ops")).exit_code == 2
    # --contact takes a contact of any registered kind, as the API's JSON.
    generic = json.dumps({"kind": "sms", "phone": "+77011234597"})
    made = await run("add", "any", "--area", "KZ", "--contact", generic)
    assert made.exit_code == 0, made.output
    anyone = json.loads((await run("show", "any", "--json")).output)
    assert [(c["kind"], c["address"]) for c in anyone["contacts"]] == [("sms", "+7701****597")]
    unknown = await run("add", "bad", "--area", "KZ", "--contact", '{"kind": "fax"}')
    assert unknown.exit_code == 2 and "unknown contact kind 'fax'" in unknown.output
    not_json = await run("add", "bad", "--area", "KZ", "--contact", "fax:123")
    assert not_json.exit_code == 2 and "--contact: not JSON" in not_json.output
    assert (await run("remove", "ops")).output.startswith("removed: ops")
    assert (await run("show", "ops")).exit_code == 1
    missing = await asyncio.to_thread(
        invoke, "subscribers", "list", "--config", str(file), "--data-dir", str(tmp_path / "x")
    )
    if database_url.startswith("sqlite"):
        assert missing.exit_code == 0  # storage.url wins over --data-dir


# --- the migration ---------------------------------------------------------------------------


async def test_join_members_of_an_old_database_become_subscribers(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from notifier.store import Store
    from notifier.store.migrate import alembic_config

    file = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{file}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0006_silences")
        conn.execute(
            text(
                "INSERT INTO sms_subscriptions (phone, area_id, language, created) VALUES "
                "('+77051234567', 'KZ-AKT', 'ru', '2026-01-01 10:00:00'), "
                "('+77051234567', 'KZ-ALA', 'ru', '2026-01-02 10:00:00'), "
                "('+77051234568', 'KZ', 'en', '2026-01-03 10:00:00')"
            )
        )
    engine.dispose()
    store = await Store.open(f"sqlite+aiosqlite:///{file}")
    try:
        version, rows = await store.subscribers.all()
        assert version == 1
        assert [(r.id, r.origin, r.areas, r.language) for r in rows] == [
            ("sms:77051234567", "sms", ("KZ-AKT", "KZ-ALA"), "ru"),
            ("sms:77051234568", "sms", ("KZ",), "en"),
        ]
        assert [(c.key, c.kind, c.address) for c in rows[0].contacts] == [
            ("sms:77051234567", "sms", "+77051234567")
        ]
        assert await store.sms_subscriptions() == [
            ("+77051234567", "KZ-AKT", "ru"),
            ("+77051234567", "KZ-ALA", "ru"),
            ("+77051234568", "KZ", "en"),
        ]
    finally:
        await store.close()
    engine = create_engine(f"sqlite:///{file}")
    with engine.begin() as conn:  # and back: the members return to their old table
        command.downgrade(alembic_config(conn), "0006_silences")
        back = conn.execute(text("SELECT phone, area_id FROM sms_subscriptions")).all()
    engine.dispose()
    assert sorted(back) == [
        ("+77051234567", "KZ-AKT"),
        ("+77051234567", "KZ-ALA"),
        ("+77051234568", "KZ"),
    ]


async def test_subscriber_responses_match_the_openapi_document(running: Running) -> None:
    import jsonschema
    from openapi_spec_validator import validate

    status, doc = await running.call("GET", "/api/openapi.json", token=None)
    assert status == 200
    validate(doc)

    def check(method: str, template: str, status: int, data: Any) -> None:
        body = doc["paths"][template][method]["responses"][str(status)]["content"]
        schema = {**body["application/json"]["schema"], "components": doc["components"]}
        jsonschema.Draft202012Validator(schema).validate(data)

    one = "/api/subscribers/{subscriber_id}"
    contact = one + "/contacts/{contact_id}"
    created = await running.ok("POST", "/api/subscribers", ops(running.consumer), status=201)
    check("post", "/api/subscribers", 201, created)
    check("get", "/api/subscribers", 200, await running.ok("GET", "/api/subscribers"))
    check("get", one, 200, await running.ok("GET", "/api/subscribers/ops"))
    status, taken = await running.call("POST", "/api/subscribers", ops(running.consumer))
    check("post", "/api/subscribers", 409, taken)
    quiet = {"quiet_hours": {"start": "22:00", "end": "07:00"}}
    check("patch", one, 200, await running.ok("PATCH", "/api/subscribers/ops", quiet))
    status, read_only = await running.call("PATCH", "/api/subscribers/desk-en", {"name": "x"})
    check("patch", one, 409, read_only)
    check("post", one + "/pause", 200, await running.ok("POST", "/api/subscribers/ops/pause"))
    check("post", one + "/resume", 200, await running.ok("POST", "/api/subscribers/ops/resume"))
    added = await running.ok(
        "POST", "/api/subscribers/ops/contacts", {"kind": "sms", "phone": RU}, status=201
    )
    check("post", one + "/contacts", 201, added)
    sms, hook, extra = (c["id"] for c in added["contacts"])
    check(
        "delete", contact, 200, await running.ok("DELETE", f"/api/subscribers/ops/contacts/{extra}")
    )
    enabled = await running.ok("POST", f"/api/subscribers/ops/contacts/{hook}/enable")
    check("post", contact + "/enable", 200, enabled)
    unblocked = await running.ok("POST", f"/api/subscribers/ops/contacts/{sms}/unblock")
    check("post", contact + "/unblock", 200, unblocked)
    status, missing = await running.call("GET", "/api/subscribers/nobody")
    check("get", one, 404, missing)
    check("delete", one, 200, await running.ok("DELETE", "/api/subscribers/ops"))
    assert doc["paths"]["/api/subscribers"]["post"]["x-scope"] == "admin"
    assert doc["paths"]["/api/subscribers"]["get"]["x-scope"] == "read"
