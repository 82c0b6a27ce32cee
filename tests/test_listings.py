"""The operator's listings over real HTTP and the CLI on both databases: levels (effective,
own, history), events and deliveries with their filters, the review queue's decisions, the
replay of dead letters; and the command line's options, --json and exit codes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner
from sqlalchemy import update

from notifier.cli import main
from notifier.model import Document
from notifier.store import Store
from notifier.store.tables import deliveries
from notifier.web.api_models import (
    AreaLevelsResponse,
    DeliveriesResponse,
    EventsResponse,
    LevelsResponse,
    ReportsResponse,
)
from tests.test_control import READER, config_text, iso, serving

HELD = """\
sources:
  - {id: feed, type: rss, url: "https://example.org/rss", trust: official, min_confidence: 0.999}
"""
AKTOBE_RED = (
    "A red level of terrorist threat has been declared in the city of Aktobe, "
    "the Anti-Terrorism Center of Kazakhstan said."
)


async def test_levels_events_and_deliveries_with_filters(database_url: str) -> None:
    async with serving(config_text(database_url)) as (service, call):
        ask = {"scheme": "kz", "area": "KZ-AKT", "level": "orange", "note": "by phone"}
        assert (await call("POST", "/api/announcements", ask))[0] == 200

        status, body = await call("GET", "/api/levels?scheme=kz&area=KZ", token=READER)
        assert status == 200 and [x["area"]["id"] for x in body["levels"]] == ["KZ-AKT"]
        LevelsResponse.model_validate(body)
        assert (await call("GET", "/api/levels?area=FR", token=READER))[1] == {"levels": []}
        for path, message in {
            "/api/levels?scheme=nope": "scheme unknown scheme 'nope'",
            "/api/levels?area=Atlantis": "area unknown area 'Atlantis'",
            "/api/levels/KZ-AKT?history=-1": "history must be a whole number, not '-1'",
            "/api/events?kind=bogus": "kind must be one of issued, raised, lowered, extended, "
            "lifted, expired, unchanged",
            "/api/events?since=yesterday": "since not an ISO 8601 time: 'yesterday'",
            "/api/events?since=2026-01-01T00:00:00": "since needs a UTC offset (e.g. "
            "2026-12-05T18:00:00+00:00 or ...Z)",
            "/api/events?area=" + "x" * 5000: "area unknown area '" + "x" * 60 + "'",
            "/api/deliveries?channel=fax": "channel must be one of twilio_sms, webhook",
            "/api/deliveries?subscriber=" + "s" * 201: "subscriber longer than 200 characters",
        }.items():
            status, body = await call("GET", path, token=READER)
            assert (status, body) == (
                400,
                {"error": {"code": "bad_request", "message": message}},
            ), path

        # Inside the announced area: inherited, with the event that set it as history.
        status, body = await call("GET", "/api/levels/Aktobe", token=READER)
        assert status == 200, body
        AreaLevelsResponse.model_validate(body)
        assert [(x["level"], x["decided_for"]) for x in body["levels"]] == [("orange", "KZ-AKT")]
        assert body["own"] == []
        [event] = body["history"]
        assert (event["kind"], event["area_id"], event["evidence"]) == (
            "issued",
            "KZ-AKT",
            "by phone",
        )
        status, body = await call("GET", "/api/levels/KZ-AKT?history=0", token=READER)
        assert [x["level"] for x in body["own"]] == ["orange"] and body["history"] == []
        status, body = await call("GET", "/api/levels/KZ", token=READER)
        assert (body["levels"], body["own"], body["history"]) == ([], [], [])

        status, body = await call("GET", "/api/events?area=KZ&kind=issued", token=READER)
        EventsResponse.model_validate(body)
        assert [e["id"] for e in body["events"]] == [event["id"]]
        for query in ("area=FR", "kind=lifted", "scheme=fr-vigipirate", "since=" + iso_q(1)):
            assert (await call("GET", "/api/events?" + query, token=READER))[1] == {"events": []}
        assert (
            len((await call("GET", "/api/events?since=" + iso_q(-1), token=READER))[1]["events"])
            == 1
        )

        status, body = await call("GET", f"/api/deliveries?event={event['id']}", token=READER)
        DeliveriesResponse.model_validate(body)
        assert sorted(d["subscriber_id"] for d in body["deliveries"]) == ["aktobe-ru", "desk-en"]
        status, body = await call("GET", "/api/deliveries?subscriber=desk-en", token=READER)
        [row] = body["deliveries"]
        assert row["address"] == "+7701****244" and row["history"] == []
        status, body = await call("GET", "/api/deliveries?channel=webhook", token=READER)
        assert body == {"deliveries": []}

        # Replay: only dead rows come back, and only an admin may ask.
        async with service.store.engine.begin() as conn:
            await conn.execute(
                update(deliveries).where(deliveries.c.id == row["id"]).values(status="dead")
            )
        assert (await call("POST", "/api/replay", {}, token=READER))[0] == 403
        assert await call("POST", "/api/replay", {"ids": ["nope"]}) == (200, {"queued": 0})
        assert await call("POST", "/api/replay", {"ids": [row["id"]]}) == (200, {"queued": 1})
        assert await call("POST", "/api/replay", {}) == (200, {"queued": 0})
        status, body = await call("POST", "/api/replay", {"ids": [""]})
        assert (status, body["error"]["code"]) == (422, "invalid")
        status, body = await call("POST", "/api/replay", {"ids": ["x"] * 1001})
        assert (status, body["error"]["code"]) == (422, "invalid")
        [back] = (await call("GET", "/api/deliveries?subscriber=desk-en", token=READER))[1][
            "deliveries"
        ]
        assert (back["status"], back["attempts"]) == ("pending", 0)


def iso_q(days: int) -> str:
    """An instant `days` from now, escaped for a query string."""
    return iso(timedelta(days=days)).replace("+", "%2B")


async def test_review_approve_and_reject_over_http(database_url: str) -> None:
    text = config_text(database_url).replace("subscribers:", HELD + "subscribers:")
    async with serving(text) as (service, call):
        source = service.config.sources[0]
        for n in range(2):
            doc = Document(source_id="feed", id=f"https://example.org/{n}", text=AKTOBE_RED)
            await service.ingest(doc, source)
        status, body = await call("GET", "/api/review", token=READER)
        first, second = (i["id"] for i in body["review"])
        assert (await call("POST", f"/api/review/{first}/approve", token=READER))[0] == 403
        status, body = await call("POST", f"/api/review/{first}/approve")
        assert (status, body["id"], body["status"]) == (200, first, "approved")
        status, body = await call("POST", f"/api/review/{second}/reject")
        assert (status, body["status"]) == (200, "rejected")
        status, body = await call("POST", f"/api/review/{second}/approve")
        assert (status, body["error"]["message"]) == (
            404,
            f"review item #{second} does not exist or is not pending",
        )
        for bad in ("x1", "9" * 13, "99"):
            assert (await call("POST", f"/api/review/{bad}/reject"))[0] == 404
        status, body = await call("GET", "/api/review?status=bogus", token=READER)
        assert (status, body["error"]["message"]) == (
            400,
            "status must be one of pending, approved, rejected, applied",
        )
        await service.levels.apply_approved()
        status, body = await call("GET", "/api/levels", token=READER)
        assert [(x["area"]["id"], x["level"]) for x in body["levels"]] == [("KZ-AKT-AKTOBE", "red")]
        status, body = await call("GET", "/api/review?status=", token=READER)
        assert sorted(i["status"] for i in body["review"]) == ["applied", "rejected"]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


async def test_cli_listings_are_clients_of_the_same_services(
    database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "notifier.yaml"
    file.write_text(config_text(database_url).replace("subscribers:", HELD + "subscribers:"))
    conf = ("--config", str(file))

    def run(*args: str) -> Any:
        return asyncio.to_thread(invoke, *args)

    assert (await run("levels", *conf)).exit_code == 2  # no database yet: not an empty one
    store = await Store.open(database_url)
    await store.close()
    empty = await run("levels", *conf)
    assert (empty.exit_code, empty.output) == (0, "no levels stored\n")
    assert (await run("announce", "kz", "KZ-AKT", "orange", *conf)).exit_code == 0

    levels = await run("levels", "--json", *conf)
    assert levels.exit_code == 0, levels.output
    [level] = LevelsResponse.model_validate_json(levels.output).levels
    assert (level.area.id, level.level) == ("KZ-AKT", "orange")
    table = (await run("levels", *conf)).output.splitlines()
    assert table[0].split() == ["SCHEME", "AREA", "LEVEL", "SEVERITY", "SINCE", "EXPIRES"]
    assert table[1].startswith("kz      KZ-AKT (Aktobe Region)  orange  severe")
    area = await run("levels", "Aktobe", "--json", *conf)
    parsed = AreaLevelsResponse.model_validate_json(area.output)
    assert [(x.level, x.decided_for) for x in parsed.levels] == [("orange", "KZ-AKT")]
    shown = (await run("levels", "Aktobe", *conf)).output
    assert "  kz: orange (severe) since " in shown and "(set for KZ-AKT)" in shown
    assert "history:" in shown and "issued" in shown
    missing = await run("levels", "Atlantis", *conf)
    assert (missing.exit_code, missing.output) == (1, "error: unknown area 'Atlantis'\n")
    assert (await run("levels", "--scheme", "nope", *conf)).exit_code == 2

    events = await run("events", "--json", "--area", "KZ", "--kind", "issued", *conf)
    [event] = EventsResponse.model_validate_json(events.output).events
    assert event.area_id == "KZ-AKT"
    assert (await run("events", "--area", "FR", *conf)).output == "no events\n"
    bad = await run("events", "--since", "yesterday", *conf)
    assert (bad.exit_code, bad.output) == (2, "error: since: not an ISO 8601 time: 'yesterday'\n")
    assert (await run("events", "--kind", "bogus", *conf)).exit_code == 2  # click's own check

    listed = await run("deliveries", "--json", "--subscriber", "desk-en", *conf)
    [row] = DeliveriesResponse.model_validate_json(listed.output).deliveries
    assert (row.status, row.address) == ("pending", "+7701****244")
    table = (await run("deliveries", "--event", event.id, *conf)).output.splitlines()
    assert table[0].split()[:3] == ["ID", "STATUS", "ATTEMPTS"] and len(table) == 3

    missing = await run("replay", row.id, *conf)
    assert missing.exit_code == 1 and "none of the given ids is a dead delivery" in missing.output
    store = await Store.open(database_url)
    try:
        async with store.engine.begin() as conn:
            await conn.execute(
                update(deliveries).where(deliveries.c.id == row.id).values(status="dead")
            )
    finally:
        await store.close()
    replayed = await run("replay", row.id, *conf)
    assert replayed.exit_code == 0 and replayed.output.startswith("1 dead deliveries queued")

    reports = await run("reports", "--json", "--status", "all", *conf)
    assert reports.exit_code == 0, reports.output
    assert ReportsResponse.model_validate_json(reports.output).reports  # the announcement's
    assert (await run("reports", "confirm", "999", *conf)).exit_code == 1
    assert (
        await run("reports", "dismiss", "999", "--data-dir", str(tmp_path), *conf)
    ).exit_code == 1


def _commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
    return out


def test_every_command_takes_config_and_data_dir_and_every_listing_json() -> None:
    listings = {
        ("areas",),
        ("levels",),
        ("events",),
        ("deliveries",),
        ("sources",),
        ("review",),
        ("reports",),
        ("silence", "list"),
        ("subscribers", "list"),
    }
    for path, command in _commands(main):
        options = {opt for p in command.params for opt in getattr(p, "opts", [])}
        assert {"--config", "--data-dir"} <= options, path  # even where they change nothing
        if path in listings:
            assert "--json" in options, path
    assert listings <= {path for path, _ in _commands(main)}


def test_exit_codes_are_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    for line in ("| 0 |", "| 1 |", "| 2 |", "--json"):
        assert line in section, line


async def test_a_level_set_through_the_api_is_on_the_status_page(database_url: str) -> None:
    """What the browser test shows in Chromium (where it is installed), as served HTML."""
    async with serving(config_text(database_url)) as (_, call):
        ask = {"scheme": "uk", "area": "GB", "level": "substantial", "note": "JTAC"}
        assert (await call("POST", "/api/announcements", ask))[0] == 200
        status, html = await call("GET", "/", token=None)
        assert status == 200
        britain = html.split('<span class="area-name">United Kingdom</span>')[1].split("</li>")[0]
        assert '<span class="badge sev-moderate">substantial' in britain, britain
