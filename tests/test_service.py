"""The whole pipeline on real texts: Kazakhstan, January 2022, read in order, then a restart."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from notifier.config import parse_config
from notifier.service import Service
from notifier.sources.parse import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT / "tests" / "corpus" / "news"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2022, 1, 7, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def config_for(tmp_path: Path, database_url: str) -> str:
    return f"""
data_dir: {tmp_path}
storage: {{url: "{database_url}"}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: 0}}  # notices at once: these tests read the outbox right after ingest
subscribers:
  - {{id: desk, phone: "+77771234567", areas: [KZ]}}
"""


async def test_january_2022_in_order_survives_a_restart(tmp_path: Path, database_url: str) -> None:
    config = parse_config(config_for(tmp_path, database_url), environ={})
    clock = Clock()
    files = sorted(NEWS.glob("kz_2022-*.txt"))
    assert len(files) == 8
    async with Service(config, clock=clock, echo=lambda _: None, start_scheduler=False) as first:
        for file in files:
            [doc] = parse_bytes(file.read_bytes(), source_id="news", name=file.name)
            if doc.published is not None:  # one text has only an approximate date
                clock.now = max(clock.now, doc.published)
            await first.ingest(doc)
        in_memory = first.levels.book.states()
        stored = await first.store.level_states()
        events = await first.store.recent_events(1000)
        outbox = await first.store.delivery_counts()

    # What the database holds is exactly what the book held, and a restart reads it back.
    assert stored == in_memory
    async with Service(config, clock=clock, echo=lambda _: None, start_scheduler=False) as second:
        assert second.levels.book.states() == in_memory
        assert second.levels.book.memory() == first.levels.book.memory()

    # Red nationwide first; by February no red is left anywhere.
    first_event = min(events, key=lambda e: e["created"])
    assert (first_event["kind"], first_event["area_id"], first_event["level"]) == (
        "issued",
        "KZ",
        "red",
    )
    # Every first-level unit of January 2022 has left red (Abai, Jetisu and Ulytau were only
    # created in June 2022, so the nationwide red is still on record for them).
    units = set(second.catalog.parts("KZ")) - {"KZ-10", "KZ-33", "KZ-62"}
    assert len(units) == 17
    effective = {u: second.levels.book.effective("kz", u) for u in units}
    assert {u: s.level for u, s in effective.items() if s is not None and s.level == "red"} == {}
    assert effective["KZ-AST"] is None  # Nur-Sultan's orange was cancelled on 27 January
    # The nationwide desk gets one SMS per document that changed levels, listing its changes.
    documents = {e["document_id"] for e in events}
    assert len(documents) < len(events)  # some documents changed several areas at once
    assert outbox == {"pending": len(documents)}


async def test_quiet_hours_hold_sms_except_for_extreme_levels(tmp_path: Path) -> None:
    config = parse_config(
        config_for(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
        + """  - {id: sleeper, phone: "+77012345678", areas: [KZ],
     quiet_hours: {start: "00:00", end: "23:59", timezone: Asia/Almaty}}
""",
        environ={},
    )
    clock = Clock()
    yellow = (
        "Source: https://example.kz/a\nDate: 2022-01-07\n\n"
        "В Павлодарской области введен желтый уровень террористической опасности.\n"
    )
    async with Service(config, clock=clock, echo=lambda _: None, start_scheduler=False) as svc:
        [seed] = parse_bytes(
            (ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes(), source_id="s", name="seed"
        )
        [doc] = parse_bytes(yellow.encode(), source_id="s", name="pavlodar")
        await svc.ingest(doc)
        await svc.ingest(seed)
        rows = {(r["subscriber_id"], r["event_id"]): r for r in await svc.store.deliveries()}
        events = {e["level"]: e["id"] for e in await svc.store.recent_events()}
    held = rows[("sleeper", events["yellow"])]
    assert held["next_attempt_at"] == "2022-01-07T17:59:00+00:00"  # 23:59 in Almaty (UTC+6)
    assert rows[("desk", events["yellow"])]["next_attempt_at"] == clock.now.isoformat()
    assert rows[("sleeper", events["red"])]["next_attempt_at"] == clock.now.isoformat()


async def test_a_document_that_fails_does_not_block_the_others_and_is_read_again(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-seed.txt").write_bytes((ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes())
    (inbox / "b-pavlodar.txt").write_text(
        "Date: 2022-01-07\n\nВ Павлодарской области введен желтый уровень террористической опасности.\n"
    )
    config = parse_config(
        config_for(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
        + f"sources:\n  - {{id: inbox, type: dir, path: {inbox}, baseline: false, trust: official}}\n",
        environ={},
    )
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        real = svc.intake.extraction

        class BrokenOnSeed:
            """A stand-in extraction door that fails on one document (a bug, a bad rule)."""

            async def extract(self, doc):  # type: ignore[no-untyped-def]
                if doc.id.endswith("a-seed.txt"):
                    raise RuntimeError("extractor bug")
                return await real.extract(doc)

        svc.intake.extraction = BrokenOnSeed()  # type: ignore[assignment]
        await svc.poll_source(config.sources[0])
        assert [s.area.id for s in await svc.store.level_states()] == ["KZ-PAV"]
        [report] = await svc.services.sources.listing()
        assert report["status"] == "failing"
        assert report["last_error"] == "document a-seed.txt: RuntimeError: extractor bug"
        svc.intake.extraction = real
        await svc.poll_source(config.sources[0])
        assert [s.area.id for s in await svc.store.level_states()] == ["KZ-AKT-AKTOBE", "KZ-PAV"]
        assert len(await svc.store.recent_events()) == 2
        [report] = await svc.services.sources.listing()
        assert (report["status"], report["last_error"]) == ("ok", None)


async def test_replicas_sharing_a_database_apply_to_each_others_levels(
    tmp_path: Path, database_url: str
) -> None:
    config = parse_config(config_for(tmp_path, database_url), environ={})
    lift = (
        "Date: 2016-06-20\n\nThe red level of terrorist threat has been lifted in the city of "
        "Aktobe, the Anti-Terrorism Center said.\n"
    )
    dated_seed = (
        b"Date: 2016-06-06\n\n" + (ROOT / "seeds" / "000_2b99838c51a8518c.txt").read_bytes()
    )
    [seed] = parse_bytes(dated_seed, source_id="a", name="seed")
    [lifted] = parse_bytes(lift.encode(), source_id="b", name="lift")
    quiet = {"echo": lambda _: None, "start_scheduler": False}
    async with Service(config, **quiet) as one, Service(config, **quiet) as two:  # type: ignore[arg-type]
        assert await one.ingest(seed) == 1  # one SMS to the desk
        assert await two.ingest(lifted) == 1  # `two` knows the red that `one` set
        events = await one.store.recent_events()
        assert await one.store.level_states() == []
        assert await one.ingest(seed) == 0  # an older document does not bring the red back
    assert sorted(e["kind"] for e in events) == ["issued", "lifted"]


CAP_ALERT = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KZ-ATC-2016-0042</identifier>
  <sender>atc@example.kz</sender>
  <sent>2016-06-06T09:00:00+06:00</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {extra}
</alert>
"""
CAP_INFO = """<info>
    <language>en</language>
    <category>Security</category>
    <event>Terrorist threat</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <headline>Armed attack in Aktobe: stay indoors</headline>
    <area><areaDesc>Aktobe Region</areaDesc></area>
  </info>"""


async def test_cap_alert_then_cancel_without_info_lifts_what_it_referenced(tmp_path: Path) -> None:
    config = parse_config(
        config_for(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'cap.db'}"), environ={}
    )
    alert = CAP_ALERT.format(msg_type="Alert", extra=CAP_INFO)
    cancel = CAP_ALERT.format(
        msg_type="Cancel",
        extra="<references>atc@example.kz,KZ-ATC-2016-0042,2016-06-06T09:00:00+06:00</references>",
    ).replace("KZ-ATC-2016-0042</identifier>", "KZ-ATC-2016-0043</identifier>", 1)
    cancel = cancel.replace("2016-06-06T09:00:00+06:00</sent>", "2016-06-07T09:00:00+06:00</sent>")
    async with Service(config, echo=lambda _: None, start_scheduler=False) as svc:
        [doc] = parse_bytes(alert.encode(), source_id="atc", name="alert.xml")
        assert await svc.ingest(doc) == 1
        [state] = await svc.store.level_states()
        assert (state.scheme, state.area.id, state.level, state.origin) == (
            "cap",
            "KZ-AKT",
            "Severe",
            "KZ-ATC-2016-0042",
        )
        [doc] = parse_bytes(cancel.encode(), source_id="atc", name="cancel.xml")
        assert await svc.ingest(doc) == 1
        assert await svc.store.level_states() == []
        kinds = sorted(e["kind"] for e in await svc.store.recent_events())
    assert kinds == ["issued", "lifted"]


async def test_an_approved_item_that_cannot_apply_does_not_hold_back_the_others(
    tmp_path: Path,
) -> None:
    # An approved item the catalog no longer knows (its scheme's levels were edited) raised on
    # every review run, so every item approved after it waited for ever.
    from notifier.model import Action, Announcement, AreaRef, Severity
    from notifier.trust import announcement_record

    def red(level: str, area: AreaRef) -> Announcement:
        return Announcement(
            scheme="kz",
            area=area,
            level=level,
            severity=Severity.EXTREME,
            action=Action.SET,
            evidence=f"A {level} terror alert in {area.name}",
            confidence=0.2,
        )

    config = parse_config(
        config_for(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"), environ={}
    )
    async with Service(config, clock=Clock(), echo=lambda _: None, start_scheduler=False) as svc:
        broken = red("purple", AreaRef("KZ-ALA", "Almaty"))
        good = red("red", AreaRef("KZ-AKT", "Aktobe Region"))
        await svc.store.commit_outcome(
            source_id="news",
            document=None,
            level_writes=[],
            new_events=[],
            notices=[],
            reviews=[(announcement_record(a), 0.2) for a in (broken, good)],
            now=svc.clock(),
        )
        for item in await svc.store.review_items():
            await svc.store.decide_review(item.id, "approved", svc.clock())
        assert await svc.levels.apply_approved() == 1  # the desk's SMS about Aktobe
        assert [s.area.id for s in await svc.store.level_states()] == ["KZ-AKT"]
        statuses = [(i.announcement["level"], i.status) for i in await svc.store.review_items(None)]
        assert statuses == [("purple", "approved"), ("red", "applied")]
