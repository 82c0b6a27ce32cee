"""The dispatcher: grouping per follower, group_wait, extreme at once, superseding, crash
safety and replicas (real SQLite and PostgreSQL, a real service, the fake Twilio API and a
real webhook consumer)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from notifier.config import SmsSubscriber, TemplatesConfig, WebhookEndpoint, parse_config
from notifier.dispatch.dispatcher import Dispatcher, group_delivery_id, plan_notices
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router
from notifier.dispatch.segments import count_segments
from notifier.errors import ConfigError
from notifier.model import AreaRef, Event, Severity, Transition, TransitionKind
from notifier.service import Service
from notifier.sources.parse import parse_bytes
from notifier.store import Store
from notifier.store.queue import DispatchQueue, enqueue
from notifier.store.tables import deliveries, dispatch_queue
from tests.fakes import FakeTwilioApi
from tests.fakes.webhook_consumer import WebhookConsumer

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DESK, AKTOBE_RU, SLEEPER = "+77771234567", "+77012345678", "+77015550000"

# The 14 regions of one article (Russian locatives, as Kazakh media write them).
REGIONS = (
    "Акмолинской, Актюбинской, Алматинской, Атырауской, Западно-Казахстанской, Жамбылской, "
    "Карагандинской, Костанайской, Кызылординской, Мангистауской, Туркестанской, "
    "Павлодарской, Северо-Казахстанской и Восточно-Казахстанской областях"
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def article(name: str, date: str, text: str) -> Any:
    body = f"Source: https://example.kz/{name}\nDate: {date}\n\n{text}\n"
    [doc] = parse_bytes(body.encode(), source_id="s", name=name)
    return doc


def red_in_14() -> Any:
    return article(
        "red", "2022-01-05", f"В {REGIONS} введен красный уровень террористической опасности."
    )


def lift_in_14() -> Any:
    return article(
        "lift", "2022-01-20", f"Красный уровень террористической опасности отменен в {REGIONS}."
    )


def region(name: str, date: str, level: str, verb: str = "введен") -> Any:
    text = f"В {name} области {verb} {level} уровень террористической опасности."
    return article(f"{name}-{level}-{verb}", date, text)


def config_text(
    tmp_path: Path,
    database_url: str,
    *,
    group_wait_s: float = 0,
    twilio: FakeTwilioApi | None = None,
    hook: WebhookConsumer | None = None,
) -> str:
    text = f"""
data_dir: {tmp_path}
storage: {{url: {json.dumps(database_url)}}}
catalog: {{schemes: {ROOT / "config" / "schemes"}, areas: {ROOT / "config" / "areas"}}}
levels: {{flap_window_s: 0}}
dispatch: {{group_wait_s: {group_wait_s}}}
network: {{allow: ["127.0.0.0/8"]}}
subscribers:
  - {{id: desk, phone: "{DESK}", areas: [KZ]}}
  - {{id: aktobe-ru, phone: "{AKTOBE_RU}", language: ru, areas: [KZ-AKT]}}
  - {{id: sleeper, phone: "{SLEEPER}", areas: [KZ-AKT],
     quiet_hours: {{start: "22:00", end: "07:00", timezone: Asia/Almaty}}}}
outbox: {{retry_schedule_s: [60], jitter_ratio: 0}}
"""
    if hook is not None:
        text += f"""webhooks:
  - {{id: wire, url: "{hook.url}", secret: "{SECRET}", areas: [KZ]}}
"""
    if twilio is not None:
        text += f"""twilio:
  account_sid: {twilio.account_sid}
  auth_token: {twilio.auth_token}
  from: "+15005550006"
  base_url: {twilio.base_url}
"""
    return text


def service(text: str, clock: Clock) -> Service:
    return Service(
        parse_config(text, environ={}), clock=clock, echo=lambda _: None, start_scheduler=False
    )


async def rows(svc: Service) -> list[dict[str, Any]]:
    return await svc.store.deliveries(limit=10_000)


async def drain(svc: Service) -> None:
    """Deliver every due row; on PostgreSQL the shared SMS rate may make the sender wait."""
    for _ in range(100):
        await svc.outbox.drain()
        due = [r for r in await rows(svc) if r["status"] in ("pending", "claimed")]
        if all(r["next_attempt_at"] > svc.clock().isoformat() for r in due):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("rows still due after 10 s")


def of(found: list[dict[str, Any]], subscriber: str) -> list[dict[str, Any]]:
    return [r for r in found if r["subscriber_id"] == subscriber]


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilioApi]:
    async with FakeTwilioApi("AC" + "1" * 32, "secret") as api:
        yield api


@pytest.fixture
async def hook() -> AsyncIterator[WebhookConsumer]:
    async with WebhookConsumer(SECRET) as consumer:
        yield consumer


# --- grouping -----------------------------------------------------------------------------------


async def test_one_article_lifting_red_in_14_regions_is_one_sms_and_one_webhook_call(
    tmp_path: Path, database_url: str, twilio: FakeTwilioApi, hook: WebhookConsumer
) -> None:
    # The consumer checks the signature's timestamp against its own clock: run at real time.
    # (Red and its lift are extreme: the sleeper's quiet hours hold neither.)
    clock = Clock(datetime.now(UTC))
    async with service(config_text(tmp_path, database_url, twilio=twilio, hook=hook), clock) as svc:
        await svc.ingest(red_in_14())
        await drain(svc)
        twilio.messages.clear()
        hook.deliveries.clear()
        written = await svc.ingest(lift_in_14())
        await drain(svc)
        events = [e for e in await svc.store.recent_events() if e["kind"] == "lifted"]
        # Any one of the 14 changes explains itself through the grouped notice listing it.
        why = await svc.services.explain.explain(events[-1]["id"], "desk")
    assert len(events) == 14
    # desk (all of KZ): 1 SMS; the wire endpoint: 1 call; aktobe-ru and sleeper: Aktobe only.
    assert written == 4
    to_desk = [m for m in twilio.messages if m["form"]["To"] == DESK]
    assert len(to_desk) == 1
    text = to_desk[0]["form"]["Body"]
    assert text.startswith("Terror threat level, 14 changes: Akmola Region, Aktobe Region")
    assert "RED lifted." in text and not text.endswith("...")
    assert count_segments(text).segments <= 3
    [ru] = [m["form"]["Body"] for m in twilio.messages if m["form"]["To"] == AKTOBE_RU]
    assert "отменён" in ru and "изменений" not in ru  # one change: the single form
    [call] = hook.deliveries
    payload = call["payload"]
    assert len(payload["changes"]) == 14
    assert {c["type"] for c in payload["changes"]} == {"level.lifted"}
    assert {c["data"]["area"]["id"] for c in payload["changes"]} == {e["area_id"] for e in events}
    # Version 1's top level is the lead change, so a consumer reading one change still works.
    assert payload["type"] == "level.lifted" and payload["schema_version"] == 1
    assert payload["event_id"] == payload["changes"][0]["event_id"]
    assert payload["data"]["area"] == payload["changes"][0]["data"]["area"]
    assert payload["data"]["text"].startswith("Terror threat level, 14 changes:")
    assert why["verdict"] == "notified" and len(why["deliveries"]) == 1
    ids = sorted(e["id"] for e in events)
    assert call["webhook_id"] == group_delivery_id(ids, "wire", "webhook")


async def test_documents_within_group_wait_become_one_notice(
    tmp_path: Path, database_url: str
) -> None:
    t0 = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)
    clock = Clock(t0)
    async with service(config_text(tmp_path, database_url, group_wait_s=30), clock) as svc:
        assert await svc.ingest(region("Павлодарской", "2022-01-20", "желтый")) == 0
        clock.now = t0 + timedelta(seconds=10)
        assert await svc.ingest(region("Актюбинской", "2022-01-20", "оранжевый")) == 0
        clock.now = t0 + timedelta(seconds=29)
        assert await svc.dispatch() == 0 and await rows(svc) == []  # not due yet
        clock.now = t0 + timedelta(seconds=31)
        # A third document after the window belongs to the next group.
        assert await svc.ingest(region("Атырауской", "2022-01-20", "желтый")) == 3
        found = await rows(svc)
        assert await svc.dispatch() == 0  # the Atyrau group is due at t0 + 61 s
        clock.now = t0 + timedelta(seconds=62)
        assert await svc.dispatch() == 1
        later = await rows(svc)
    [desk] = of(found, "desk")
    assert len(desk["event_ids"].split()) == 2  # Pavlodar and Aktobe in one SMS
    assert "2 changes" in desk["body"]
    assert desk["body"].index("Aktobe") < desk["body"].index("Pavlodar")  # most severe first
    assert [len(r["event_ids"].split()) for r in of(found, "aktobe-ru")] == [1]
    assert len(of(later, "desk")) == 2


async def test_an_extreme_change_is_never_held_back(tmp_path: Path, database_url: str) -> None:
    t0 = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)
    clock = Clock(t0)
    async with service(config_text(tmp_path, database_url, group_wait_s=600), clock) as svc:
        assert await svc.ingest(region("Павлодарской", "2022-01-20", "желтый")) == 0
        clock.now = t0 + timedelta(seconds=5)
        # Red is extreme in Kazakhstan's scheme: its group (with the yellow) goes at once.
        assert await svc.ingest(region("Актюбинской", "2022-01-20", "красный")) == 3
        found = await rows(svc)
    [desk] = of(found, "desk")
    assert len(desk["event_ids"].split()) == 2
    [sleeper] = of(found, "sleeper")
    assert sleeper["next_attempt_at"] == (t0 + timedelta(seconds=5)).isoformat()


# --- superseding --------------------------------------------------------------------------------


async def test_an_sms_held_by_quiet_hours_is_superseded_by_the_lift(
    tmp_path: Path, database_url: str, twilio: FakeTwilioApi
) -> None:
    night = datetime(2022, 1, 20, 17, 0, tzinfo=UTC)  # 23:00 in Almaty (UTC+6 then)
    clock = Clock(night)
    async with service(config_text(tmp_path, database_url, twilio=twilio), clock) as svc:
        await svc.ingest(region("Актюбинской", "2022-01-20", "оранжевый"))
        await drain(svc)  # the desk (no quiet hours) hears of it at once
        clock.now = night + timedelta(hours=2)
        await svc.ingest(region("Актюбинской", "2022-01-20", "оранжевый", "отменен"))
        await drain(svc)
        assert [m["form"]["To"] for m in twilio.messages].count(SLEEPER) == 0  # still night
        clock.now = datetime(2022, 1, 21, 1, 1, tzinfo=UTC)  # 07:01 in Almaty
        await drain(svc)
        found = await rows(svc)
        events = {e["kind"]: e["id"] for e in await svc.store.recent_events()}
    held = [r for r in of(found, "sleeper") if r["event_id"] == events["issued"]]
    lift = [r for r in of(found, "sleeper") if r["event_id"] == events["lifted"]]
    assert held[0]["status"] == "superseded"
    assert held[0]["last_error"] == f"superseded by {events['lifted']}"
    assert lift[0]["status"] == "sent"
    to_sleeper = [m["form"]["Body"] for m in twilio.messages if m["form"]["To"] == SLEEPER]
    assert len(to_sleeper) == 1 and "lifted" in to_sleeper[0]
    # The desk got both at once, before anything superseded them.
    assert [r["status"] for r in of(found, "desk")] == ["sent", "sent"]


async def test_a_notice_with_some_changes_still_current_is_sent(
    tmp_path: Path, database_url: str
) -> None:
    t0 = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)
    clock = Clock(t0)
    async with service(config_text(tmp_path, database_url, group_wait_s=30), clock) as svc:
        await svc.ingest(region("Павлодарской", "2022-01-20", "желтый"))
        await svc.ingest(region("Актюбинской", "2022-01-20", "желтый"))
        clock.now = t0 + timedelta(seconds=31)
        await svc.dispatch()
        await svc.ingest(region("Павлодарской", "2022-01-20", "желтый", "отменен"))
        [grouped] = [r for r in of(await rows(svc), "desk") if len(r["event_ids"].split()) == 2]
        events = await svc.store.recent_events()
        queue = DispatchQueue(svc.store.engine)
        ids = grouped["event_ids"].split()
        assert await queue.superseded({grouped["id"]: ids}) == {}  # Aktobe is still yellow
        [pavlodar] = [e["id"] for e in events if e["area_id"] == "KZ-PAV" and e["kind"] == "issued"]
        [lift] = [e["id"] for e in events if e["kind"] == "lifted"]
        assert await queue.superseded({"x": [pavlodar]}) == {"x": lift}


# --- crash safety and replicas ---------------------------------------------------------------


async def test_events_committed_but_not_dispatched_go_after_a_restart_once(
    tmp_path: Path, database_url: str
) -> None:
    clock = Clock(datetime(2022, 1, 20, 6, 0, tzinfo=UTC))
    text = config_text(tmp_path, database_url)
    first = service(text, clock)
    await first.start()
    try:

        async def crash() -> int:  # the process dies between the levels commit and dispatch
            return 0

        first.dispatching.dispatch = crash  # type: ignore[method-assign]
        await first.ingest(red_in_14())
        assert await rows(first) == []
        queue = DispatchQueue(first.store.engine)
        assert await queue.undispatched() == 14
        # And a dispatcher that claimed the group died holding it.
        claim = await queue.claim_group(worker="dead", now=clock.now, group_wait_s=0, lease_s=60)
        assert len(claim.group) == 14
    finally:
        await first.stop()
    async with service(text, clock) as second:
        if second.store.dialect == "postgresql":
            assert await rows(second) == []  # the dead one's lease still holds
            clock.now += timedelta(seconds=61)
            await second.dispatch()
        found = await rows(second)
        assert len(found) == 3  # desk, aktobe-ru, sleeper (red is extreme: no quiet hours)
        assert await DispatchQueue(second.store.engine).undispatched() == 0
        # Dispatching the same group again writes nothing twice.
        async with second.store.engine.begin() as conn:
            await conn.execute(update(dispatch_queue).values(dispatched=None))
        assert await second.dispatch() == 0
        assert len(await rows(second)) == 3


async def test_two_dispatchers_on_postgresql_never_write_a_row_twice(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share PostgreSQL; SQLite has one process")
    now = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)
    stores = [await Store.open(database_url), await Store.open(database_url)]
    try:
        batches = 60
        async with stores[0].engine.begin() as conn:
            for b in range(batches):
                events = [synthetic(f"KZ-{b}-{i}", now) for i in range(3)]
                await enqueue(conn, events, [], now)
        router = Router(
            [SmsSubscriber(id=f"p{n}", phone=f"+7701000000{n}", areas=["KZ"]) for n in range(3)],
            lambda outer, inner: inner.startswith(outer),
        )
        renderer = Renderer(TemplatesConfig(), base_dir=ROOT)

        def dispatcher(store: Store, name: str) -> Dispatcher:
            async def current_router() -> Router:
                await asyncio.sleep(0)  # let the other one in between claim and write
                return router

            async def mutes(_now: datetime) -> Any:
                return None

            return Dispatcher(
                DispatchQueue(store.engine),
                router=current_router,
                renderer=lambda: renderer,
                mutes=mutes,
                group_wait_s=lambda: 0,
                clock=lambda: now,
                worker=name,
            )

        one, two = dispatcher(stores[0], "one"), dispatcher(stores[1], "two")
        written = await asyncio.gather(one.dispatch_due(), two.dispatch_due())
        async with stores[0].engine.connect() as conn:
            count = (await conn.execute(select(func.count()).select_from(deliveries))).scalar()
        assert sum(written) == count == batches * 3
        assert min(written) > 0  # both took part
        assert await DispatchQueue(stores[0].engine).undispatched() == 0
    finally:
        for store in stores:
            await store.close()


async def test_a_big_group_is_sendable_chunk_by_chunk_and_a_crash_midway_completes_once(
    database_url: str,
) -> None:
    """The outbox may claim the first chunk of a fan-out while the rest is being written; a
    dispatcher that dies after some chunks leaves the group undispatched, and the next pass
    writes only the missing rows."""
    now = datetime(2022, 1, 20, 6, 0, tzinfo=UTC)
    store = await Store.open(database_url)
    try:
        async with store.engine.begin() as conn:
            await enqueue(conn, [synthetic("KZ-AKM", now)], [], now)
        router = Router(
            [SmsSubscriber(id=f"p{n}", phone=f"+7701000000{n}", areas=["KZ"]) for n in range(5)],
            lambda outer, inner: inner.startswith(outer),
        )
        renderer = Renderer(TemplatesConfig(), base_dir=ROOT)
        queue = DispatchQueue(store.engine, write_chunk=2)
        chunks_written = 0

        def died_after_the_first_chunk() -> None:
            nonlocal chunks_written
            chunks_written += 1
            if chunks_written == 1:
                raise RuntimeError("the dispatcher died")

        async def current_router() -> Router:
            return router

        async def mutes(_now: datetime) -> Any:
            return None

        def dispatcher(on_written: Any) -> Dispatcher:
            return Dispatcher(
                queue,
                router=current_router,
                renderer=lambda: renderer,
                mutes=mutes,
                group_wait_s=lambda: 0,
                clock=lambda: now,
                worker="me",
                on_written=on_written,
            )

        with pytest.raises(RuntimeError):
            await dispatcher(died_after_the_first_chunk).dispatch_due()
        # The first chunk is committed and claimable; the group is not marked dispatched.
        claimed = await store.claim(limit=10, worker="outbox", now=now, lease_s=60)
        assert len(claimed) == 2
        assert await queue.undispatched() == 1

        woken: list[int] = []
        assert await dispatcher(lambda: woken.append(1)).dispatch_due() == 3
        assert len(woken) == 2  # the outbox was woken by each chunk that wrote rows
        assert await queue.undispatched() == 0
        async with store.engine.connect() as conn:
            found = (await conn.execute(select(deliveries.c.id, deliveries.c.status))).all()
        assert len(found) == len({r.id for r in found}) == 5
        # The rows claimed meanwhile were left as they were, not written again.
        assert {r.id for r in found if r.status == "claimed"} == {r.id for r in claimed}
    finally:
        await store.close()


def synthetic(area_id: str, now: datetime) -> Event:
    t = Transition(
        kind=TransitionKind.ISSUED,
        scheme="kz",
        area=AreaRef(area_id, area_id),
        at=now,
        level="yellow",
        severity=Severity.MODERATE,
    )
    return Event.from_transition(t, now)


async def test_fan_out_happens_outside_the_levels_lock(tmp_path: Path, database_url: str) -> None:
    clock = Clock(datetime(2022, 1, 20, 6, 0, tzinfo=UTC))
    async with service(config_text(tmp_path, database_url), clock) as svc:
        entered, gate = asyncio.Event(), asyncio.Event()
        real = svc.followers.current

        async def slow_router() -> Router:
            entered.set()
            await gate.wait()
            return await real()

        svc.followers.current = slow_router  # type: ignore[method-assign]
        svc.dispatching.dispatcher = svc.dispatching.build()  # built with the slow router
        ingest = asyncio.create_task(svc.ingest(red_in_14()))
        await asyncio.wait_for(entered.wait(), 10)
        # Routing is under way: the levels lock (in memory and in the database) is free.
        assert not svc.levels.lock.locked()

        async def take_levels() -> int:
            async with svc.levels.lock, svc.store.levels_transaction() as tx:
                return await tx.version()

        await asyncio.wait_for(take_levels(), 10)
        gate.set()
        assert await ingest == 3


# --- rendering a group --------------------------------------------------------------------------


def lifted(area: str, name: str, was: Severity = Severity.EXTREME) -> Event:
    at = datetime(2022, 1, 20, tzinfo=UTC)
    t = Transition(
        kind=TransitionKind.LIFTED,
        scheme="kz",
        area=AreaRef(area, name),
        at=at,
        level=None,
        severity=None,
        previous_level="red",
        previous_severity=was,
    )
    return Event.from_transition(t, at)


LANGUAGES = ("en", "ru", "kk", "uk", "de", "fr", "nl", "it", "es", "sv", "nb", "da")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_grouped_form_within_the_segments(language: str) -> None:
    renderer = Renderer(TemplatesConfig(), base_dir=ROOT)
    events = [lifted(f"KZ-{i}", f"Region number {i}") for i in range(14)]
    sub = SmsSubscriber(id="s", phone="+77012345678", areas=["KZ"], language=language)
    notice = renderer.render_group(events, sub, delivery_id="d")
    assert notice.event_ids == tuple(ev.id for ev in events)
    assert "14" in notice.body and "Region number 0" in notice.body
    assert count_segments(notice.body).segments <= renderer.max_segments
    assert not notice.body.endswith(("...", "…"))  # summarised, not cut


def test_a_hostile_group_is_summarised_within_the_limit() -> None:
    """Hundreds of changes with very long area names: still one SMS within the segments."""
    renderer = Renderer(TemplatesConfig(sms_max_segments=2), base_dir=ROOT)
    events = [lifted(f"X-{i}", "Ж" * 300 + str(i)) for i in range(500)]
    sub = SmsSubscriber(id="s", phone="+77012345678", areas=["KZ"])
    body = renderer.render_group(events, sub).body
    assert count_segments(body).segments <= 2


def test_one_change_keeps_its_single_form_and_key() -> None:
    renderer = Renderer(TemplatesConfig(), base_dir=ROOT)
    ev = lifted("KZ-AKT", "Aktobe")
    sub = SmsSubscriber(id="s", phone="+77012345678", areas=["KZ"])
    assert renderer.render_group([ev], sub).body == renderer.render(ev, sub).body
    assert group_delivery_id([ev.id], "s", "twilio_sms") != group_delivery_id(
        [ev.id, "evt_other"], "s", "twilio_sms"
    )
    # The same events in any order make the same key: a second dispatch writes nothing new.
    assert group_delivery_id(["b", "a"], "s", "w") == group_delivery_id(["a", "b"], "s", "w")


def test_plan_groups_per_follower_and_applies_quiet_hours_except_extreme() -> None:
    renderer = Renderer(TemplatesConfig(), base_dir=ROOT)
    sleeper = SmsSubscriber.model_validate(
        {
            "id": "sleeper",
            "phone": "+77012345678",
            "areas": ["KZ"],
            "quiet_hours": {"start": "00:00", "end": "23:59", "timezone": "Asia/Almaty"},
        }
    )
    hook = WebhookEndpoint(id="w", url="https://w.example/h", secret=SECRET, areas=["KZ-1"])
    router = Router([sleeper, hook], lambda outer, inner: inner.startswith(outer))
    calm = [lifted(f"KZ-{i}", f"R{i}", Severity.MODERATE) for i in range(3)]
    plan = plan_notices(calm, [], router, renderer)
    by = {n.subscriber_id: n for n in plan.notices}
    assert len(by["sleeper"].event_ids) == 3 and by["sleeper"].not_before is not None
    assert by["w"].event_ids == (calm[1].id,)  # the endpoint follows KZ-1 only
    extreme = synthetic("KZ-9", calm[0].created)
    extreme = Event(
        extreme.id,
        Transition(
            kind=TransitionKind.ISSUED,
            scheme="kz",
            area=AreaRef("KZ-9", "R9"),
            at=extreme.created,
            level="red",
            severity=Severity.EXTREME,
        ),
        extreme.created,
    )
    [loud] = plan_notices([*calm, extreme], [], router, renderer).notices[:1]
    assert loud.not_before is None and loud.event_id == extreme.id  # lead: the most severe


@pytest.mark.parametrize("value", ["-1", "601", ".nan", ".inf", "'soon'", "[30]"])
def test_group_wait_is_bounded(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"dispatch: {{group_wait_s: {value}}}\n", environ={})
    assert "dispatch.group_wait_s" in str(caught.value.errors)
    assert parse_config("", environ={}).dispatch.group_wait_s == 30


def test_an_operator_group_template_replaces_the_default_and_is_checked(tmp_path: Path) -> None:
    (tmp_path / "group.en.j2").write_text(
        "{{ total }} changes: {% for g in groups %}{{ g.areas | join('/') }} {{ g.kind }}; "
        "{% endfor %}"
    )
    renderer = Renderer(TemplatesConfig(dir=tmp_path), base_dir=tmp_path)
    events = [lifted("KZ-1", "One"), lifted("KZ-2", "Two")]
    sub = SmsSubscriber(id="s", phone="+77012345678", areas=["KZ"])
    assert renderer.render_group(events, sub).body == "2 changes: One/Two lifted;"
    (tmp_path / "group.en.j2").write_text("{{ groups[0].nonsense }}")
    with pytest.raises(ConfigError, match=r"group\.en\.j2"):
        Renderer(TemplatesConfig(dir=tmp_path), base_dir=tmp_path)
    (tmp_path / "group.en.j2").write_text("{% for g in groups %}")
    with pytest.raises(ConfigError, match=r"group\.en\.j2, line 1"):
        Renderer(TemplatesConfig(dir=tmp_path), base_dir=tmp_path)


def test_a_language_without_a_group_template_joins_its_single_texts(tmp_path: Path) -> None:
    (tmp_path / "sms.pt.j2").write_text("{{ area }}: nivel {{ kind }}.")
    renderer = Renderer(TemplatesConfig(dir=tmp_path), base_dir=tmp_path)
    events = [lifted("KZ-1", "Um"), lifted("KZ-2", "Dois")]
    sub = SmsSubscriber(id="s", phone="+77012345678", areas=["KZ"], language="pt")
    assert renderer.render_group(events, sub).body == "Um: nivel lifted. Dois: nivel lifted."


async def test_a_notify_from_another_replica_wakes_the_dispatcher(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share PostgreSQL; SQLite has one process that wakes itself")
    clock = Clock(datetime(2022, 1, 20, 6, 0, tzinfo=UTC))
    text = config_text(tmp_path, database_url)
    quiet = {"clock": clock, "echo": lambda _: None}
    writer = Service(parse_config(text, environ={}), start_scheduler=False, **quiet)  # type: ignore[arg-type]
    listener = Service(parse_config(text, environ={}), start_scheduler=True, **quiet)  # type: ignore[arg-type]
    await writer.start()
    await listener.start()
    try:
        listener.dispatching.dispatcher.idle_s = 600  # only a NOTIFY can wake it in time
        listener.dispatching.dispatcher.wake()
        await asyncio.sleep(1.0)  # its LISTEN connection is up and it waits again

        async def gone() -> int:  # the writer dies right after its levels commit
            return 0

        writer.dispatching.dispatch = gone  # type: ignore[method-assign]
        await writer.ingest(red_in_14())
        for _ in range(50):
            if await rows(listener):
                break
            await asyncio.sleep(0.1)
        assert len(await rows(listener)) == 3
    finally:
        await listener.stop()
        await writer.stop()
