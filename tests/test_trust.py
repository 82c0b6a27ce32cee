"""The trust stage: official acts at once, media waits for a second publisher, unverified and
nationwide extremes wait for an operator; on SQLite and PostgreSQL, through the service."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from notifier.config import Config, SourceBase, parse_config
from notifier.errors import ConfigError
from notifier.model import Document
from notifier.service import Service
from notifier.sources.parse import parse_bytes
from notifier.trust import ReportStatus, independent_publishers, site_of

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AKTOBE = (
    "A red level of terrorist threat has been declared in the city of Aktobe, "
    "the Anti-Terrorism Center of Kazakhstan said."
)
NATIONWIDE = (
    "A red level of terrorist threat has been declared throughout Kazakhstan, "
    "the National Security Committee said."
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2016, 6, 6, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def config_text(tmp_path: Path, database_url: str, extra: str = "") -> str:
    return f"""
data_dir: {tmp_path}
storage: {{url: "{database_url}"}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
sources:
  - {{id: tengri, type: rss, url: "https://tengrinews.kz/rss"}}
  - {{id: mt, type: rss, url: "https://www.themoscowtimes.com/rss", trust: media}}
  - {{id: kazinform, type: rss, url: "https://www.inform.kz/rss", trust: media}}
  - {{id: knb, type: rss, url: "https://knb.gov.kz/rss", trust: official}}
  - {{id: tips, type: rss, url: "https://tips.example.org/rss", trust: unverified}}
  - {{id: tips2, type: rss, url: "https://rumours.example.net/rss", trust: unverified}}
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
webhooks:
  - {{id: wire, url: "https://wire.example/hook", secret: "{SECRET}", areas: [KZ],
      include_unconfirmed: true}}
  - {{id: plain, url: "https://plain.example/hook", secret: "{SECRET}", areas: [KZ]}}
{extra}"""


def make_config(tmp_path: Path, database_url: str, extra: str = "") -> Config:
    return parse_config(config_text(tmp_path, database_url, extra), environ={})


def document(source_id: str, url: str, text: str = AKTOBE, name: str = "") -> Document:
    raw = f"Source: {url}\nDate: 2016-06-06\n\n{text}\n"
    [doc] = parse_bytes(raw.encode(), source_id=source_id, name=name or url)
    return doc


def source(config: Config, source_id: str) -> SourceBase:
    return next(s for s in config.sources if s.id == source_id)


async def outbox(svc: Service) -> list[tuple[str, str, str]]:
    """(follower, channel, type of notice) of every outbox row, sorted."""
    import json

    rows = await svc.store.deliveries(limit=1000)
    out = []
    for r in rows:
        kind = json.loads(r["body"])["type"] if r["channel"] == "webhook" else "sms"
        out.append((r["subscriber_id"], r["channel"], kind))
    return sorted(out)


def quiet(config: Config, clock: Clock | None = None) -> Service:
    return Service(config, clock=clock or Clock(), echo=lambda _: None, start_scheduler=False)


# --- media: unconfirmed until a second publisher ------------------------------------------------


async def test_a_media_report_alone_reaches_no_sms_only_the_opted_in_webhook(
    tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    async with quiet(config) as svc:
        doc = document("tengri", "https://tengrinews.kz/news/aktobe-red")
        assert await svc.ingest(doc, source(config, "tengri")) == 1
        assert await svc.store.level_states() == []
        assert await svc.store.recent_events() == []
        assert await outbox(svc) == [("wire", "webhook", "level.reported")]
        [row] = await svc.store.deliveries()
        [report] = await svc.store.reports()
    import json

    payload = json.loads(row["body"])
    assert payload["event_id"] == row["event_id"]
    data = payload["data"]
    assert (data["confirmed"], data["needs"], data["report_id"]) == (
        False,
        "corroboration",
        report.id,
    )
    assert (data["area"]["id"], data["level"], data["severity"], data["action"]) == (
        "KZ-AKT-AKTOBE",
        "red",
        "extreme",
        "set",
    )
    assert [s["source_id"] for s in data["sources"]] == ["tengri"]
    assert data["sources"][0]["site"] == "tengrinews.kz"
    assert data["text"].startswith("Unconfirmed report: Aktobe: terror threat level RED")
    assert (report.status, report.needs, report.source.trust.value) == (
        ReportStatus.UNCONFIRMED,
        "corroboration",
        "media",
    )


async def test_a_second_publisher_confirms_once_and_a_third_is_a_repeat(
    tmp_path: Path, database_url: str
) -> None:
    import json

    config = make_config(tmp_path, database_url)
    clock = Clock()
    async with quiet(config, clock) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(config, "tengri"))
        clock.now += timedelta(hours=2)
        written = await svc.ingest(
            document("mt", "https://www.themoscowtimes.com/b"), source(config, "mt")
        )
        assert written == 3  # the desk's SMS and the change for both webhooks
        [state] = await svc.store.level_states()
        assert (state.area.id, state.level) == ("KZ-AKT-AKTOBE", "red")
        clock.now += timedelta(hours=1)
        assert (
            await svc.ingest(
                document("kazinform", "https://www.inform.kz/c"), source(config, "kazinform")
            )
            == 0
        )
        rows = await outbox(svc)
        [event] = await svc.store.recent_events()
        reports = await svc.store.reports(None)
        issued = [
            json.loads(r["body"])
            for r in await svc.store.deliveries()
            if r["subscriber_id"] == "plain"
        ]
    assert rows == [
        ("desk", "twilio_sms", "sms"),
        ("plain", "webhook", "level.issued"),
        ("wire", "webhook", "level.issued"),
        ("wire", "webhook", "level.reported"),
    ]
    assert [s["source_id"] for s in event["sources"]] == ["tengri", "mt"]
    [payload] = issued
    assert payload["data"]["confirmed"] is True
    assert [(s["source_id"], s["site"]) for s in payload["data"]["sources"]] == [
        ("tengri", "tengrinews.kz"),
        ("mt", "themoscowtimes.com"),
    ]
    assert sorted((r.source.source_id, r.status.value, r.decided_by) for r in reports) == [
        ("kazinform", "confirmed", "repeat"),
        ("mt", "confirmed", "corroboration"),
        ("tengri", "confirmed", "corroboration"),
    ]


@pytest.mark.parametrize(
    ("second", "url"),
    [
        ("mt", "https://tengrinews.kz/copy"),  # another feed, but the same site
        ("tengri", "https://www.themoscowtimes.com/x"),  # the same feed carrying another site
    ],
)
async def test_the_same_site_or_the_same_source_is_no_corroboration(
    tmp_path: Path, second: str, url: str
) -> None:
    config = make_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    async with quiet(config) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(config, "tengri"))
        await svc.ingest(document(second, url, name="b"), source(config, second))
        assert await svc.store.level_states() == []
        assert [r.status for r in await svc.store.reports(None)] == [ReportStatus.UNCONFIRMED] * 2
        assert await outbox(svc) == [("wire", "webhook", "level.reported")] * 2


async def test_reports_further_apart_than_the_window_do_not_corroborate(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'w.db'}",
        "trust: {corroboration: {window_s: 3600}}\n",
    )
    clock = Clock()
    async with quiet(config, clock) as svc:
        first = document("tengri", "https://tengrinews.kz/a")
        later = document("mt", "https://www.themoscowtimes.com/b")
        # Documents without a time of day: both are timed when they were received.
        assert first.published is not None
        first = _received(first)
        later = _received(later)
        await svc.ingest(first, source(config, "tengri"))
        clock.now += timedelta(seconds=3601)
        await svc.ingest(later, source(config, "mt"))
        assert await svc.store.level_states() == []
        clock.now += timedelta(seconds=1800)
        third = _received(document("kazinform", "https://www.inform.kz/c"))
        await svc.ingest(third, source(config, "kazinform"))  # within the hour of the second
        [state] = await svc.store.level_states()
        [event] = await svc.store.recent_events()
    assert state.level == "red"
    assert [s["source_id"] for s in event["sources"]] == ["mt", "kazinform"]


def _received(doc: Document) -> Document:
    from dataclasses import replace

    return replace(doc, published=None)


async def test_a_document_read_again_is_still_one_report(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    async with quiet(config) as svc:
        doc = document("tengri", "https://tengrinews.kz/a")
        await svc.ingest(doc, source(config, "tengri"))
        edited = document("tengri", "https://tengrinews.kz/a", AKTOBE + " Updated.")
        assert edited.id == doc.id and edited.content_hash != doc.content_hash
        assert await svc.ingest(edited, source(config, "tengri")) == 0
        assert len(await svc.store.reports(None)) == 1
        assert await svc.store.level_states() == []


# --- official, unverified, operators ---------------------------------------------------------


async def test_an_official_source_acts_at_once_and_confirms_what_waited(
    tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    async with quiet(config) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(config, "tengri"))
        assert await svc.ingest(document("knb", "https://knb.gov.kz/p"), source(config, "knb")) == 3
        [event] = await svc.store.recent_events()
        reports = {r.source.source_id: r for r in await svc.store.reports(None)}
    assert event["kind"] == "issued"
    assert [s["source_id"] for s in event["sources"]] == ["knb", "tengri"]
    assert (reports["knb"].status, reports["knb"].decided_by) == (
        ReportStatus.CONFIRMED,
        "official",
    )
    assert (reports["tengri"].status, reports["tengri"].decided_by) == (
        ReportStatus.CONFIRMED,
        "official",
    )


async def test_official_alone_acts_and_a_later_media_report_is_a_repeat(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    async with quiet(config) as svc:
        assert await svc.ingest(document("knb", "https://knb.gov.kz/p"), source(config, "knb")) == 3
        doc = document("tengri", "https://tengrinews.kz/a")
        assert await svc.ingest(doc, source(config, "tengri")) == 0  # no level.reported either
        assert len(await svc.store.recent_events()) == 1


async def test_unverified_sources_wait_for_an_operator_who_confirms(
    tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    clock = Clock()
    async with quiet(config, clock) as svc:
        await svc.ingest(document("tips", "https://tips.example.org/1"), source(config, "tips"))
        await svc.ingest(
            document("tips2", "https://rumours.example.net/2"), source(config, "tips2")
        )
        assert await svc.store.level_states() == []  # two publishers, but both unverified
        first, second = sorted(await svc.store.reports(), key=lambda r: r.id)
        assert (first.needs, second.needs) == ("operator", "operator")
        assert await svc.levels.apply_approved() == 0
        assert await svc.store.decide_report(first.id, ReportStatus.APPROVED, clock.now)
        assert await svc.store.decide_report(first.id, ReportStatus.DISMISSED, clock.now) is None
        assert await svc.levels.apply_approved() == 3
        assert await svc.levels.apply_approved() == 0  # applied once
        [event] = await svc.store.recent_events()
        statuses = [(r.status, r.decided_by) for r in await svc.store.reports(None)]
    assert [s["source_id"] for s in event["sources"]] == ["tips", "tips2"]
    assert statuses == [(ReportStatus.CONFIRMED, "operator")] * 2


async def test_a_dismissed_report_corroborates_nothing(tmp_path: Path) -> None:
    config = make_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    clock = Clock()
    async with quiet(config, clock) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(config, "tengri"))
        [report] = await svc.store.reports()
        dismissed = await svc.store.decide_report(report.id, ReportStatus.DISMISSED, clock.now)
        assert dismissed is not None and dismissed.status is ReportStatus.DISMISSED
        await svc.ingest(document("mt", "https://www.themoscowtimes.com/b"), source(config, "mt"))
        assert await svc.store.level_states() == []
        assert [r.source.source_id for r in await svc.store.reports()] == ["mt"]


async def test_extreme_for_a_whole_country_from_media_waits_for_an_operator(
    tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    async with quiet(config) as svc:
        for source_id, url in (("tengri", "https://tengrinews.kz/n"), ("mt", "https://www.themoscowtimes.com/n")):  # fmt: skip
            await svc.ingest(document(source_id, url, NATIONWIDE), source(config, source_id))
        assert await svc.store.level_states() == []
        assert [r.needs for r in await svc.store.reports()] == ["operator", "operator"]
        # An official source is enough, as an operator would be.
        await svc.ingest(document("knb", "https://knb.gov.kz/n", NATIONWIDE), source(config, "knb"))
        [state] = await svc.store.level_states()
        [event] = await svc.store.recent_events()
    assert (state.area.id, state.level) == ("KZ", "red")
    assert [s["source_id"] for s in event["sources"]] == ["knb", "tengri", "mt"]


async def test_the_nationwide_rule_can_be_switched_off(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'n.db'}",
        "trust: {extreme_nationwide_needs_operator: false}\n",
    )
    async with quiet(config) as svc:
        for source_id, url in (("tengri", "https://tengrinews.kz/n"), ("mt", "https://www.themoscowtimes.com/n")):  # fmt: skip
            await svc.ingest(document(source_id, url, NATIONWIDE), source(config, source_id))
        [state] = await svc.store.level_states()
    assert (state.area.id, state.level) == ("KZ", "red")


async def test_two_replicas_confirm_a_report_once(tmp_path: Path, database_url: str) -> None:
    """Each replica receives one publisher's report at the same moment; exactly one change."""
    config = make_config(tmp_path, database_url)
    async with quiet(config) as one, quiet(config) as two:
        a = document("tengri", "https://tengrinews.kz/a")
        b = document("mt", "https://www.themoscowtimes.com/b")
        c = document("kazinform", "https://www.inform.kz/c")
        await asyncio.gather(
            one.ingest(a, source(config, "tengri")),
            two.ingest(b, source(config, "mt")),
            one.ingest(c, source(config, "kazinform")),
        )
        events = await one.store.recent_events()
        rows = await outbox(one)
        statuses = sorted(r.decided_by for r in await one.store.reports(None))
    assert [e["kind"] for e in events] == ["issued"]
    assert rows.count(("desk", "twilio_sms", "sms")) == 1
    assert statuses == ["corroboration", "corroboration", "repeat"]


# --- parts ------------------------------------------------------------------------------------


def test_independent_publishers_differ_in_source_and_site() -> None:
    assert independent_publishers([]) == 0
    assert independent_publishers([("a", "x.kz")]) == 1
    assert independent_publishers([("a", "x.kz"), ("b", "x.kz")]) == 1  # one site
    assert independent_publishers([("a", "x.kz"), ("a", "y.kz")]) == 1  # one feed
    assert independent_publishers([("a", "x.kz"), ("b", "y.kz")]) == 2
    # An aggregator carrying both sites does not hide that two feeds of their own agree.
    assert independent_publishers([("agg", "x.kz"), ("agg", "y.kz"), ("b", "x.kz")]) == 2
    assert independent_publishers([("a", ""), ("b", "")]) == 1  # unknown sites: one site
    many = [(f"s{i}", f"site{i % 50}.kz") for i in range(5000)]
    assert independent_publishers(many) == 50
    assert independent_publishers(many, enough=2) == 2
    # A chain of sources each sharing a site with the next stays within the recursion limit.
    chain = [(f"s{i}", f"site{j}") for i in range(3000) for j in (i, i + 1)]
    assert independent_publishers(chain, enough=10) == 10


@pytest.mark.parametrize(
    ("urls", "site"),
    [
        (("https://www.TengriNews.kz/a?b#c",), "tengrinews.kz"),
        (("", "https://knb.gov.kz/rss"), "knb.gov.kz"),
        (("not a url", "https://x.kz"), "x.kz"),
        (("http://[::1",), ""),  # malformed IPv6 literal: no site rather than an error
        (("https://" + "a" * 100_000 + ".kz/",), "a" * 100_000 + ".kz"),
        (("file:///etc/passwd",), ""),
        ((), ""),
    ],
)
def test_site_of(urls: tuple[str, ...], site: str) -> None:
    assert site_of(*urls) == site


@pytest.mark.parametrize(
    ("yaml", "error"),
    [
        (
            "sources:\n  - {id: a, type: rss, url: 'https://x.kz', trust: official!}\n",
            "sources[0].trust (line 2, column 45): Input should be 'official', 'media' or 'unverified'",
        ),
        (
            "trust: {corroboration: {publishers: 1}}\n",
            "trust.corroboration.publishers (line 1, column 25): Input should be greater than or equal to 2",
        ),
        (
            "trust: {corroboration: {window_s: 10}}\n",
            "trust.corroboration.window_s (line 1, column 25): Input should be greater than or equal to 60",
        ),
        (
            "trust: {extreme_nationwide_needs_operator: maybe}\n",
            "trust.extreme_nationwide_needs_operator (line 1, column 9): Input should be a valid boolean, "
            "unable to interpret input",
        ),
        (
            "trust: {publishers: 2}\n",
            "trust.publishers (line 1, column 9): unknown setting (check the spelling; see `notifier config-schema`)",
        ),
        (
            "subscribers:\n  - {id: a, phone: '+77771234567', areas: [KZ], include_unconfirmed: true}\n",
            "subscribers[0].include_unconfirmed (line 2, column 49): unknown setting (check the spelling; see "
            "`notifier config-schema`)",
        ),
    ],
)
def test_trust_settings_are_validated(yaml: str, error: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(yaml, environ={})
    assert info.value.errors == [error]


def test_trust_defaults_and_schema() -> None:
    from notifier.config import config_json_schema

    config = parse_config(
        "sources:\n  - {id: a, type: rss, url: 'https://x.kz'}\n"
        f"webhooks:\n  - {{id: w, url: 'https://w.kz', secret: '{SECRET}', areas: [KZ]}}\n",
        environ={},
    )
    assert config.sources[0].trust.value == "media"
    assert config.webhooks[0].include_unconfirmed is False
    assert (config.trust.corroboration.publishers, config.trust.corroboration.window_s) == (
        2,
        21600,
    )
    assert config.trust.extreme_nationwide_needs_operator is True
    schema: dict[str, Any] = config_json_schema()
    assert "trust" in schema["properties"]
    assert (
        schema["$defs"]["WebhookEndpoint"]["properties"]["include_unconfirmed"]["default"] is False
    )


async def test_the_reports_api_is_read_only_and_checks_its_status(tmp_path: Path) -> None:
    import aiohttp

    from tests.test_e2e import serve_api

    config = make_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'api.db'}")
    async with quiet(config) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(config, "tengri"))
        runner, base = await serve_api(svc)
        try:
            async with aiohttp.ClientSession() as s:
                async with s.get(f"{base}/api/reports?status=bogus") as bad:
                    assert bad.status == 400
                    assert "status must be one of unconfirmed, approved" in await bad.text()
                # no token on loopback: reads are open, every write is refused
                async with s.post(f"{base}/api/reports", json={}) as write:
                    assert write.status == 403
                    assert (await write.json())["error"]["code"] == "forbidden"
                async with s.get(f"{base}/api/reports") as ok:
                    [report] = (await ok.json())["reports"]
        finally:
            await runner.cleanup()
    assert (report["status"], report["needs"], report["decided_by"]) == (
        "unconfirmed",
        "corroboration",
        None,
    )
    assert report["source"]["source_id"] == "tengri"


async def test_a_review_item_an_operator_approves_acts_though_its_source_is_media(
    tmp_path: Path,
) -> None:
    doubtful = parse_config(
        config_text(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'rv.db'}").replace(
            '{id: tengri, type: rss, url: "https://tengrinews.kz/rss"}',
            '{id: tengri, type: rss, url: "https://tengrinews.kz/rss", min_confidence: 0.99}',
        ),
        environ={},
    )
    clock = Clock()
    async with quiet(doubtful, clock) as svc:
        await svc.ingest(document("tengri", "https://tengrinews.kz/a"), source(doubtful, "tengri"))
        assert await svc.store.reports(None) == []  # held for review, not weighed yet
        [item] = await svc.store.review_items()
        await svc.store.decide_review(item.id, "approved", clock.now)
        assert await svc.levels.apply_approved() == 3
        [report] = await svc.store.reports(None)
    assert (report.status, report.decided_by, report.source.trust.value) == (
        ReportStatus.CONFIRMED,
        "operator",
        "media",
    )


async def test_migration_0003_keeps_events_and_downgrades(database_url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect, text
    from sqlalchemy.ext.asyncio import create_async_engine

    from notifier.store import Store
    from notifier.store.migrate import alembic_config

    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0002"))
            await conn.execute(
                text(
                    "INSERT INTO events (id, kind, scheme, area_id, area_name, at, created, "
                    "evidence, source_id, document_id) VALUES ('evt_1', 'issued', 'kz', "
                    "'KZ-AKT', 'Aktobe', '2016-06-06 12:00:00', '2016-06-06 12:00:00', '', "
                    "'seeds', 'doc')"
                )
            )
        store = await Store.open(database_url)  # migrates to the head, past 0003_trust_reports
        try:
            [event] = await store.recent_events()
            assert (event["id"], event["sources"]) == ("evt_1", [])
            assert await store.reports(None) == []
        finally:
            await store.close()
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0002"))
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
            assert "reports" not in tables
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "head"))
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).one()
            head = await conn.run_sync(
                lambda c: ScriptDirectory.from_config(alembic_config(c)).get_current_head()
            )
            assert version[0] == head != "0003_trust_reports"  # later migrations follow it
    finally:
        await engine.dispose()
