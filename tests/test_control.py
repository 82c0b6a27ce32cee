"""The operator's control routes over real HTTP on both databases: manual announcements and
silences (`/api/announcements`, `/api/silences`), and the CLI commands that use them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
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

ROOT = Path(__file__).resolve().parents[1]
READER = "ntf_reader-token-for-the-control-tests-0000"
ADMIN = "ntf_admin-token-for-the-control-tests-00000"


def config_text(database_url: str, extra: str = "") -> str:
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
subscribers:
  - {{id: aktobe-ru, phone: "+77011112233", language: ru, areas: [KZ-AKT]}}
  - {{id: desk-en, phone: "+77011112244", language: en, areas: [KZ]}}
{extra}"""


Call = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture
async def running(database_url: str) -> AsyncIterator[tuple[Service, Call]]:
    async with serving(config_text(database_url)) as pair:
        yield pair


@contextlib.asynccontextmanager
async def serving(text: str) -> AsyncIterator[tuple[Service, Call]]:
    """A started service (no scheduler: the outbox keeps what it is given) behind real HTTP."""
    service = Service(
        parse_config(text, environ={}),
        echo=lambda _: None,
        start_scheduler=False,
    )
    runner = web.AppRunner(create_app(service, {}), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    await service.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"

    async def call(
        method: str,
        path: str,
        body: Any = None,
        token: str | None = ADMIN,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        async with (
            aiohttp.ClientSession() as session,
            session.request(method, base + path, data=data, headers=headers) as r,
        ):
            payload = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, payload

    try:
        yield service, call
    finally:
        await service.stop()
        await runner.cleanup()


def iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def test_announcement_dry_run_changes_nothing_then_applies(
    running: tuple[Service, Call],
) -> None:
    service, call = running
    ask = {"scheme": "kz", "area": "KZ-AKT", "level": "orange", "dry_run": True}
    status, body = await call("POST", "/api/announcements", ask)
    assert status == 200, body
    assert body["dry_run"] is True
    assert body["announcement"]["area"]["id"] == "KZ-AKT"
    assert body["announcement"]["severity"] == "severe"
    assert body["announcement"]["note"] == "manual announcement by ops"
    assert [t["kind"] for t in body["transitions"]] == ["issued"]
    assert body["notified"] == ["aktobe-ru", "desk-en"]
    assert body["notices_total"] == 2 and body["queued"] == 0
    texts = {n["subscriber"]: n["text"] for n in body["notices"]}
    assert {n["channel"] for n in body["notices"]} == {"twilio_sms"}
    assert "Aktobe" in texts["desk-en"] and texts["aktobe-ru"] != texts["desk-en"]
    # Nothing changed.
    assert await call("GET", "/api/levels", token=READER) == (200, {"levels": []})
    assert await call("GET", "/api/events", token=READER) == (200, {"events": []})
    assert await service.store.deliveries() == []

    ask = {
        **ask,
        "dry_run": False,
        "note": "KNB statement read out on TV",
        "expires": iso(timedelta(days=10)),
    }
    status, body = await call("POST", "/api/announcements", ask)
    assert status == 200, body
    assert (body["queued"], body["notified"]) == (2, ["aktobe-ru", "desk-en"])
    status, levels = await call("GET", "/api/levels", token=READER)
    [level] = levels["levels"]
    assert (level["area"]["id"], level["level"], level["evidence"]) == (
        "KZ-AKT",
        "orange",
        "KNB statement read out on TV",
    )
    assert level["expires"] is not None
    rows = await service.store.deliveries()
    assert sorted((r["subscriber_id"], r["status"]) for r in rows) == [
        ("aktobe-ru", "pending"),
        ("desk-en", "pending"),
    ]
    # The operator's word is in the reports ledger as confirmed by an operator.
    status, reports = await call("GET", "/api/reports?status=all", token=READER)
    [report] = reports["reports"]
    assert (report["status"], report["decided_by"], report["source"]["source_id"]) == (
        "confirmed",
        "operator",
        "operator",
    )

    # Extend with the same level notifies as an extension; a lift ends it.
    status, body = await call(
        "POST",
        "/api/announcements",
        {"scheme": "kz", "area": "KZ-AKT", "level": "orange", "action": "lift"},
    )
    assert status == 200, body
    assert [t["kind"] for t in body["transitions"]] == ["lifted"]
    assert await call("GET", "/api/levels", token=READER) == (200, {"levels": []})


async def test_announcement_scopes_and_errors(running: tuple[Service, Call]) -> None:
    _, call = running
    good = {"scheme": "kz", "area": "KZ-AKT", "level": "orange", "dry_run": True}
    status, body = await call("POST", "/api/announcements", good, token=READER)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await call("POST", "/api/announcements", good, token=None)
    assert (status, body["error"]["code"]) == (401, "unauthorized")

    async def error(body: Any = None, raw: bytes | None = None) -> tuple[int, str]:
        status, answer = await call("POST", "/api/announcements", body, raw=raw)
        return status, answer["error"]["message"]

    assert await error({**good, "scheme": "zz"}) == (422, "scheme: unknown scheme 'zz'")
    assert await error({**good, "area": "Atlantis"}) == (422, "area: unknown area 'Atlantis'")
    status, message = await error({**good, "level": "purple"})
    assert status == 422 and message.startswith("level: scheme kz has no level 'purple'")
    assert await error({**good, "area": "UA"}) == (
        422,
        "area: UA is outside the areas of scheme kz (('KZ',))",
    )
    assert await error({**good, "level": None}) == (422, "level: a set needs a level")
    assert await error({**good, "action": "raise"}) == (
        422,
        "action: Input should be 'set', 'extend' or 'lift'",
    )
    assert (await error({**good, "surprise": 1}))[0] == 422
    assert (await error({**good, "note": "x" * 1001}))[1].startswith("note: ")
    # Times: far future, past, naive, garbage, huge.
    status, message = await error({**good, "expires": "9999-12-31T00:00:00+00:00"})
    assert status == 422 and message.endswith("is more than 366 days ahead")
    status, message = await error({**good, "expires": "2001-01-01T00:00:00Z"})
    assert status == 422 and message.endswith("is not in the future")
    assert await error({**good, "expires": "2027-01-01T00:00:00"}) == (
        422,
        "expires: needs a UTC offset (e.g. 2026-12-05T18:00:00+00:00 or ...Z)",
    )
    assert (await error({**good, "expires": "soon"}))[1] == "expires: not an ISO 8601 time: 'soon'"
    assert (await error({**good, "expires": "9" * 5000}))[0] == 422
    # Malformed bodies.
    assert await error(raw=b"{not json") == (400, "the body is not valid JSON")
    assert await error(raw=b"[1, 2]") == (400, "the body must be a JSON object")
    assert await error(raw=b"[" * 200_000 + b"]" * 200_000) == (400, "the body is not valid JSON")
    status, _ = await call("POST", "/api/announcements", raw=b"x" * 3_000_000)
    assert status == 413


async def test_silences_mute_at_fan_out(running: tuple[Service, Call]) -> None:
    service, call = running
    status, silence = await call(
        "POST",
        "/api/silences",
        {
            "subscriber": "desk-en",
            "ends": iso(timedelta(hours=2)),
            "created_by": "alice",
            "comment": "desk closed for the holiday",
        },
    )
    assert status == 201, silence
    assert (silence["target"], silence["value"], silence["state"]) == (
        "subscriber",
        "desk-en",
        "active",
    )
    status, body = await call(
        "POST", "/api/announcements", {"scheme": "kz", "area": "KZ-AKT", "level": "orange"}
    )
    assert status == 200, body
    assert body["notified"] == ["aktobe-ru"]
    assert body["muted"] == [{"subscriber": "desk-en", "silence": silence["id"]}]
    rows = await service.store.deliveries()
    assert [r["subscriber_id"] for r in rows] == ["aktobe-ru"]  # the muted one is not written

    # An area silence covers the areas inside it; extreme passes unless it says otherwise.
    status, country = await call(
        "POST",
        "/api/silences",
        {"area": "KZ", "ends": iso(timedelta(hours=1)), "created_by": "bob", "comment": "drill"},
    )
    assert status == 201 and country["value"] == "KZ"
    status, body = await call(
        "POST",
        "/api/announcements",
        {"scheme": "kz", "area": "KZ-AKT", "level": "yellow", "dry_run": True},
    )
    assert (body["notified"], sorted(m["silence"] for m in body["muted"])) == (
        [],
        sorted([silence["id"], country["id"]]),
    )
    status, body = await call(
        "POST", "/api/announcements", {"scheme": "kz", "area": "KZ-AKT", "level": "red"}
    )
    assert body["notified"] == ["aktobe-ru", "desk-en"]  # extreme: through both silences
    status, total = await call(
        "POST",
        "/api/silences",
        {
            "area": "Kazakhstan",
            "ends": iso(timedelta(hours=1)),
            "created_by": "bob",
            "comment": "total blackout test",
            "include_extreme": True,
        },
    )
    assert status == 201 and total["include_extreme"] is True
    status, body = await call(
        "POST",
        "/api/announcements",
        {"scheme": "kz", "area": "KZ", "level": "red", "dry_run": True},
    )
    assert body["notified"] == [] and body["notices_total"] == 0

    status, listing = await call("GET", "/api/silences", token=READER)
    assert [s["id"] for s in listing["silences"]] == [total["id"], country["id"], silence["id"]]
    for s in (total, country, silence):
        status, ended = await call("DELETE", f"/api/silences/{s['id']}")
        assert (status, ended["state"]) == (200, "expired")
    status, body = await call("DELETE", f"/api/silences/{silence['id']}")
    assert (status, body["error"]["message"]) == (
        404,
        f"silence #{silence['id']} has ended already",
    )
    assert (await call("DELETE", "/api/silences/999999"))[0] == 404
    assert (await call("DELETE", "/api/silences/abc"))[0] == 404
    assert await call("GET", "/api/silences", token=READER) == (200, {"silences": []})
    status, listing = await call("GET", "/api/silences?expired=true", token=READER)
    assert {s["state"] for s in listing["silences"]} == {"expired"}
    assert (await call("GET", "/api/silences?expired=maybe", token=READER))[0] == 400
    status, body = await call(
        "POST", "/api/announcements", {"scheme": "kz", "area": "KZ-AKT", "level": "orange"}
    )
    assert body["notified"] == ["aktobe-ru", "desk-en"] and body["muted"] == []


async def test_silence_errors_and_scopes(running: tuple[Service, Call]) -> None:
    _, call = running
    good = {
        "area": "KZ-AKT",
        "ends": iso(timedelta(hours=1)),
        "created_by": "alice",
        "comment": "why",
    }
    assert (await call("POST", "/api/silences", good, token=READER))[0] == 403
    assert (await call("DELETE", "/api/silences/1", token=READER))[0] == 403
    assert (await call("GET", "/api/silences", token=None))[0] == 401

    async def error(body: dict[str, Any]) -> tuple[int, str]:
        status, answer = await call("POST", "/api/silences", body)
        return status, answer["error"]["message"]

    assert await error({**good, "subscriber": "desk-en"}) == (
        422,
        "area: give exactly one of area and subscriber",
    )
    assert await error({**good, "area": "Atlantis"}) == (422, "area: unknown area 'Atlantis'")
    assert (await error({**good, "ends": iso(-timedelta(minutes=1))}))[1].startswith("ends: ")
    assert (await error({**good, "ends": "3000-01-01T00:00:00Z"}))[1].endswith(
        "is more than 366 days ahead"
    )
    assert await error({**good, "comment": "  "}) == (
        422,
        "comment: say why (1 to 1000 characters)",
    )
    assert (await error({k: v for k, v in good.items() if k != "created_by"}))[1] == (
        "created_by: Field required"
    )
    assert (await error({**good, "area": None, "subscriber": "bad id; drop"}))[0] == 422
    assert (await error({**good, "starts": iso(timedelta(hours=2))}))[1] == (
        "starts: must be before ends"
    )


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


async def test_cli_announce_and_silence(database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "notifier.yaml"
    file.write_text(config_text(database_url))
    from notifier.store import Store

    store = await Store.open(database_url)  # what `notifier run` does first
    await store.close()
    conf = ["--config", str(file)]

    def run(*args: str) -> Any:
        return asyncio.to_thread(invoke, *args)

    dry = await run("announce", "kz", "Aktobe", "orange", "--dry-run", "--json", *conf)
    assert dry.exit_code == 0, dry.output
    body = json.loads(dry.output)
    assert (body["dry_run"], body["notified"], body["queued"]) == (
        True,
        ["aktobe-ru", "desk-en"],
        0,
    )
    bad = await run("announce", "kz", "Atlantis", "orange", *conf)
    assert bad.exit_code == 2 and "error: area: unknown area 'Atlantis'" in bad.output

    added = await run(
        "silence", "add", "--subscriber", "desk-en", "--for", "2h", "--comment", "off", *conf
    )
    assert added.exit_code == 0, added.output
    assert added.output.startswith("silence #")
    listed = await run("silence", "list", "--json", *conf)
    assert listed.exit_code == 0, listed.output
    [silence] = json.loads(listed.output)["silences"]
    assert (silence["value"], silence["comment"]) == ("desk-en", "off")

    done = await run("announce", "kz", "KZ-AKT", "orange", "--note", "by phone", *conf)
    assert done.exit_code == 0, done.output
    assert "queued 1 notice" in done.output and "muted: desk-en" in done.output

    expired = await run("silence", "expire", str(silence["id"]), *conf)
    assert expired.exit_code == 0, expired.output
    again = await run("silence", "expire", str(silence["id"]), *conf)
    assert again.exit_code == 1 and "has ended already" in again.output
    assert (await run("silence", "add", "--area", "KZ", "--for", "1h", *conf)).exit_code == 2
    assert (
        await run("silence", "add", "--area", "KZ", "--for", "99y", "--comment", "x", *conf)
    ).exit_code == 2

    store = await Store.open(database_url)
    try:
        rows = await store.deliveries()
        assert [r["subscriber_id"] for r in rows] == ["aktobe-ru"]
        # A running service's claim survives the commands (they are clients, not the owner).
        now = datetime.now(UTC)
        [claimed] = await store.claim(limit=10, worker="replica-a", now=now, lease_s=600)
        dry = await run("announce", "kz", "KZ", "yellow", "--dry-run", *conf)
        assert dry.exit_code == 0 and "SMS DRY-RUN" not in dry.output, dry.output
        [row] = await store.deliveries()
        assert (row["id"], row["status"], row["claimed_by"]) == (
            claimed.id,
            "claimed",
            "replica-a",
        )
    finally:
        await store.close()


EXPLAINED = """\
  - {id: almaty-en, phone: "+77011112255", language: en, areas: [KZ-ALA]}
  - {id: red-only, phone: "+77011112266", language: en, areas: [KZ], min_severity: extreme}
  - {id: lifts-only, phone: "+77011112277", language: en, areas: [KZ], transitions: [lifted]}
  - id: night-owl
    phone: "+77011112288"
    areas: [KZ]
    quiet_hours: {start: "00:00", end: "23:59", timezone: UTC}
"""


async def test_explain_says_why(database_url: str, tmp_path: Path) -> None:
    async with serving(config_text(database_url, EXPLAINED)) as (service, call):
        await service.store.set_opt_out("desk-en", True, "replied STOP", datetime.now(UTC))
        await service.followers.refresh()
        status, _ = await call(
            "POST",
            "/api/silences",
            {
                "subscriber": "night-owl",
                "ends": iso(timedelta(hours=1)),
                "created_by": "carol",
                "comment": "on leave",
            },
        )
        assert status == 201
        status, body = await call(
            "POST", "/api/announcements", {"scheme": "kz", "area": "KZ-AKT", "level": "orange"}
        )
        assert status == 200 and body["notified"] == ["aktobe-ru"], body
        status, events = await call("GET", "/api/events", token=READER)
        [event] = events["events"]

        async def explain(subscriber: str) -> dict[str, Any]:
            status, answer = await call(
                "GET",
                f"/api/explain?event={event['id']}&subscriber={subscriber}",
                token=READER,
            )
            assert status == 200, answer
            return answer

        def failed(answer: dict[str, Any]) -> dict[str, str]:
            return {c["check"]: c["detail"] for c in answer["checks"] if not c["passed"]}

        yes = await explain("aktobe-ru")
        assert (yes["verdict"], yes["would_route"], failed(yes)) == ("queued", True, {})
        assert yes["subscriber"]["address"] == "+7701****233"
        [row] = yes["deliveries"]
        assert (row["channel"], row["status"], row["attempts"]) == ("twilio_sms", "pending", 0)
        checks = {c["check"]: c["detail"] for c in yes["checks"]}
        assert checks["area"] == "follows KZ-AKT itself"
        assert checks["trust"] == "acted on reports of operator (official)"

        assert failed(await explain("almaty-en")) == {
            "area": "follows KZ-ALA; none contains KZ-AKT or lies in it"
        }
        assert failed(await explain("red-only")) == {
            "severity": "severe is below the minimum extreme"
        }
        assert list(failed(await explain("lifts-only"))) == ["transition"]
        assert failed(await explain("desk-en")) == {"blocked": "deliveries stopped: replied STOP"}
        owl = await explain("night-owl")
        assert (owl["verdict"], owl["deliveries"]) == ("not_notified", [])
        assert failed(owl)["silence"].startswith(
            "muted by silence #1 (subscriber night-owl, by carol"
        )
        # The silence is history now; the explanation of that event still names it.
        assert (await call("DELETE", "/api/silences/1"))[0] == 200
        assert "silence" in failed(await explain("night-owl"))

        status, body = await call(
            "GET", "/api/explain?event=evt_nothing&subscriber=aktobe-ru", token=READER
        )
        assert (status, body["error"]["message"]) == (404, "no event 'evt_nothing'")
        status, body = await call(
            "GET", f"/api/explain?event={event['id']}&subscriber=ghost", token=READER
        )
        assert (status, body["error"]["message"]) == (404, "no subscriber 'ghost'")
        assert (await call("GET", "/api/explain?event=x", token=READER))[0] == 400
        assert (await call("GET", "/api/explain?event=" + "e" * 5000 + "&subscriber=a"))[0] == 404
        assert (await call("GET", "/api/explain?event=x&subscriber=y", token=None))[0] == 401

        file = tmp_path / "notifier.yaml"
        file.write_text(config_text(database_url, EXPLAINED))
        out = await asyncio.to_thread(
            invoke, "explain", event["id"], "red-only", "--config", str(file)
        )
        assert out.exit_code == 0, out.output
        assert "not notified" in out.output
        assert "✗ severity: severe is below the minimum extreme" in out.output
        out = await asyncio.to_thread(
            invoke, "explain", event["id"], "aktobe-ru", "--json", "--config", str(file)
        )
        assert out.exit_code == 0 and json.loads(out.output)["verdict"] == "queued"
        out = await asyncio.to_thread(
            invoke, "explain", "evt_x", "aktobe-ru", "--config", str(file)
        )
        assert out.exit_code == 1 and "no event 'evt_x'" in out.output


MEDIA = """\
sources:
  - {id: mt, type: rss, url: "https://www.themoscowtimes.com/rss", trust: media}
"""


async def test_reports_confirm_and_dismiss_over_http(database_url: str) -> None:
    from notifier.model import Document

    text = config_text(database_url).replace("subscribers:", MEDIA + "subscribers:")
    async with serving(text) as (service, call):
        source = service.config.sources[0]
        for n, city in enumerate(("Aktobe", "Almaty")):
            doc = Document(
                source_id="mt",
                id=f"https://www.themoscowtimes.com/a{n}",
                text=f"A red level of terrorist threat has been declared in the city of {city}, "
                "the Anti-Terrorism Center of Kazakhstan said.",
            )
            await service.ingest(doc, source)
        status, body = await call("GET", "/api/reports", token=READER)
        assert status == 200
        ids = {r["area"]["name"]: r["id"] for r in body["reports"]}
        assert len(ids) == 2 and {r["status"] for r in body["reports"]} == {"unconfirmed"}
        aktobe, almaty = (v for k, v in sorted(ids.items()))
        assert (await call("POST", f"/api/reports/{aktobe}/confirm", token=READER))[0] == 403
        status, body = await call("POST", f"/api/reports/{aktobe}/confirm")
        assert (status, body["status"], body["decided_by"]) == (200, "approved", "operator")
        status, body = await call("POST", f"/api/reports/{almaty}/dismiss")
        assert (status, body["status"]) == (200, "dismissed")
        status, body = await call("POST", f"/api/reports/{almaty}/confirm")
        assert (status, body["error"]["message"]) == (
            404,
            f"report #{almaty} does not exist or is not unconfirmed",
        )
        assert (await call("POST", "/api/reports/x1/dismiss"))[0] == 404
        # The approved one is applied by the service's review job.
        await service.levels.apply_approved()
        status, levels = await call("GET", "/api/levels", token=READER)
        assert [lv["level"] for lv in levels["levels"]] == ["red"]


async def test_a_silence_added_on_one_replica_mutes_on_another(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("two replicas share one PostgreSQL; SQLite runs one process")
    text = config_text(database_url)
    async with serving(text) as (_, first), serving(text) as (_, second):
        status, _ = await first(
            "POST",
            "/api/silences",
            {
                "area": "KZ-AKT",
                "ends": iso(timedelta(hours=1)),
                "created_by": "alice",
                "comment": "replica test",
            },
        )
        assert status == 201
        status, body = await second(
            "POST", "/api/announcements", {"scheme": "kz", "area": "KZ-AKT", "level": "orange"}
        )
        assert status == 200 and body["notified"] == [] and body["queued"] == 0
        assert len(body["muted"]) == 2


async def test_control_responses_match_the_openapi_document(running: tuple[Service, Call]) -> None:
    import jsonschema
    from openapi_spec_validator import validate

    _, call = running
    status, doc = await call("GET", "/api/openapi.json", token=None)
    assert status == 200
    validate(doc)

    def check(method: str, template: str, status: int, data: Any) -> None:
        body = doc["paths"][template][method]["responses"][str(status)]["content"]
        schema = {**body["application/json"]["schema"], "components": doc["components"]}
        jsonschema.Draft202012Validator(schema).validate(data)

    silence_body = {
        "subscriber": "desk-en",
        "ends": iso(timedelta(hours=1)),
        "created_by": "alice",
        "comment": "schema check",
    }
    status, silence = await call("POST", "/api/silences", silence_body)
    check("post", "/api/silences", 201, silence)
    ask = {"scheme": "kz", "area": "KZ-AKT", "level": "orange"}
    status, dry = await call("POST", "/api/announcements", {**ask, "dry_run": True})
    assert dry["notices"] and dry["muted"]
    check("post", "/api/announcements", 200, dry)
    status, done = await call("POST", "/api/announcements", ask)
    check("post", "/api/announcements", 200, done)
    status, bad = await call("POST", "/api/announcements", {**ask, "scheme": "zz"})
    check("post", "/api/announcements", 422, bad)
    status, listing = await call("GET", "/api/silences?expired=true", token=READER)
    check("get", "/api/silences", 200, listing)
    status, events = await call("GET", "/api/events", token=READER)
    event_id = events["events"][0]["id"]
    for who in ("aktobe-ru", "desk-en"):
        status, answer = await call(
            "GET", f"/api/explain?event={event_id}&subscriber={who}", token=READER
        )
        assert status == 200
        check("get", "/api/explain", 200, answer)
    status, ended = await call("DELETE", f"/api/silences/{silence['id']}")
    check("delete", "/api/silences/{silence_id}", 200, ended)
    status, missing = await call("DELETE", f"/api/silences/{silence['id']}")
    check("delete", "/api/silences/{silence_id}", 404, missing)
    assert doc["paths"]["/api/announcements"]["post"]["x-scope"] == "admin"
    assert doc["paths"]["/api/explain"]["get"]["x-scope"] == "read"
