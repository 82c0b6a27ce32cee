"""The store on SQLite and PostgreSQL: migrations, atomic outcomes, the outbox's claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from notifier.model import (
    AreaRef,
    ChannelKind,
    DeliveryResult,
    Document,
    Event,
    LevelState,
    Notice,
    Severity,
    Transition,
    TransitionKind,
)
from notifier.store import Store, delivery_id, write_transaction

T0 = datetime(2016, 6, 6, 12, 0, tzinfo=UTC)
AKTOBE = AreaRef("KZ-AKT", "Aktobe Region")


def red_event(at: datetime = T0) -> Event:
    t = Transition(
        kind=TransitionKind.ISSUED,
        scheme="kz",
        area=AKTOBE,
        at=at,
        level="red",
        severity=Severity.EXTREME,
        evidence="A red terror alert has been announced",
        source_id="seeds",
        document_id="doc-1",
    )
    return Event.from_transition(t, at)


def notice(event: Event, subscriber: str, channel: ChannelKind = ChannelKind.WEBHOOK) -> Notice:
    return Notice(
        event_id=event.id,
        subscriber_id=subscriber,
        channel=channel,
        to=f"http://127.0.0.1:1/{subscriber}",
        body='{"x": 1}',
        delivery_id=delivery_id(event.id, subscriber, channel.value),
    )


def red_state() -> LevelState:
    return LevelState(
        scheme="kz",
        area=AKTOBE,
        level="red",
        severity=Severity.EXTREME,
        since=T0,
        expires=T0 + timedelta(days=40),
        updated=T0,
        evidence="…",
    )


async def enqueue(store: Store, *subscribers: str) -> Event:
    """One red event with an outbox row per subscriber."""
    ev = red_event()
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[ev],
        notices=[notice(ev, s) for s in subscribers],
        now=T0,
    )
    return ev


async def test_migrations_are_idempotent(store: Store, database_url: str) -> None:
    again = await Store.open(database_url)  # upgrading an up-to-date database changes nothing
    assert await again.level_states() == []
    await again.close()


async def test_outcome_is_written_atomically_and_replay_adds_nothing(store: Store) -> None:
    ev = red_event()
    doc = Document(source_id="seeds", id="doc-1", text="text")
    notices = [notice(ev, "a"), notice(ev, "b")]
    kwargs = {
        "source_id": "seeds",
        "document": doc,
        "level_writes": [("kz", "KZ-AKT", red_state())],
        "new_events": [ev],
        "notices": notices,
        "now": T0,
    }
    assert await store.commit_outcome(**kwargs) == 2  # type: ignore[arg-type]
    assert await store.commit_outcome(**kwargs) == 0  # type: ignore[arg-type]
    assert [s.level for s in await store.level_states()] == ["red"]
    assert await store.level_states() == [red_state()]
    assert [e["id"] for e in await store.recent_events()] == [ev.id]
    assert await store.delivery_counts() == {"pending": 2}
    assert await store.unseen("seeds", [doc]) == []
    edited = Document(source_id="seeds", id="doc-1", text="text, edited")
    assert await store.unseen("seeds", [edited]) == [edited]


async def test_claim_gives_each_row_to_one_worker_and_stale_claims_return(store: Store) -> None:
    await enqueue(store, "a", "b", "c")
    first = await store.claim(limit=2, worker="w1", now=T0, lease_s=60)
    second = await store.claim(limit=5, worker="w2", now=T0, lease_s=60)
    assert len(first) == 2
    assert len(second) == 1
    assert {d.id for d in first}.isdisjoint({d.id for d in second})
    assert await store.claim(limit=5, worker="w3", now=T0, lease_s=60) == []
    # w1 and w2 died: once their leases ran out their rows are due again.
    later = T0 + timedelta(seconds=61)
    retaken = await store.claim(limit=5, worker="w3", now=later, lease_s=60)
    assert {d.id for d in retaken} == {d.id for d in first} | {d.id for d in second}


async def test_record_attempt_schedules_retry_then_dead_letter_and_replay(store: Store) -> None:
    await enqueue(store, "a")
    [row] = await store.claim(limit=1, worker="w", now=T0, lease_s=60)
    retry_at = T0 + timedelta(seconds=5)
    status = await store.record_attempt(
        row, DeliveryResult.retryable("HTTP 500"), worker="w", now=T0, retry_at=retry_at
    )
    assert status == "pending"
    assert await store.claim(limit=1, worker="w", now=T0, lease_s=60) == []
    [row] = await store.claim(limit=1, worker="w", now=retry_at, lease_s=60)
    assert row.attempts == 1
    assert row.last_error == "HTTP 500"
    status = await store.record_attempt(
        row, DeliveryResult.permanent("HTTP 400"), worker="w", now=retry_at, retry_at=None
    )
    assert status == "dead"
    assert await store.delivery_counts() == {"dead": 1}
    assert await store.replay_dead(retry_at) == 1
    [row] = await store.claim(limit=1, worker="w", now=retry_at, lease_s=60)
    assert row.attempts == 0


async def test_opt_out_and_gone_endpoint_are_remembered(store: Store) -> None:
    ev = red_event()
    sms = notice(ev, "alice", ChannelKind.TWILIO_SMS)
    hook = notice(ev, "hook")
    await store.commit_outcome(
        source_id="s", document=None, level_writes=[], new_events=[ev], notices=[sms, hook], now=T0
    )
    rows = {d.subscriber_id: d for d in await store.claim(limit=5, worker="w", now=T0, lease_s=60)}
    await store.record_attempt(
        rows["alice"],
        DeliveryResult.permanent("Twilio 21610: unsubscribed", opted_out=True),
        worker="w",
        now=T0,
        retry_at=None,
    )
    await store.record_attempt(
        rows["hook"],
        DeliveryResult.permanent("HTTP 410 Gone", disable_endpoint=True),
        worker="w",
        now=T0,
        retry_at=None,
    )
    assert await store.blocked_subscribers() == {
        "alice": "Twilio 21610: unsubscribed",
        "hook": "HTTP 410 Gone",
    }


async def test_release_all_claims_frees_rows_of_a_crashed_process(store: Store) -> None:
    await enqueue(store, "a")
    assert len(await store.claim(limit=1, worker="dead", now=T0, lease_s=600)) == 1
    assert await store.release_all_claims(T0) == 1
    assert len(await store.claim(limit=1, worker="new", now=T0, lease_s=600)) == 1


async def test_review_queue_moves_pending_to_approved_to_applied(store: Store) -> None:
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[],
        notices=[],
        reviews=[({"scheme": "kz", "document_id": "d"}, 0.4)],
        now=T0,
    )
    [item] = await store.review_items()
    assert (item.source_id, item.document_id, item.confidence) == ("s", "d", 0.4)
    assert await store.decide_review(item.id, "approved", T0) is not None
    assert await store.decide_review(item.id, "rejected", T0) is None  # no longer pending
    assert [i.id for i in await store.review_items("approved")] == [item.id]
    assert await store.decide_review(item.id, "applied", T0, from_status="approved") is not None
    assert await store.review_items("approved") == []


async def test_reset_source_forgets_documents(store: Store) -> None:
    doc = Document(source_id="s", id="d", text="t")
    await store.mark_seen("s", [doc], T0)
    await store.save_source_state("s", {"etag": "x"}, baseline_done=True, now=T0)
    assert await store.reset_source("s") == 1
    assert await store.unseen("s", [doc]) == [doc]
    row = await store.source_row("s")
    assert row is not None
    assert row.state == {}
    assert row.baseline_done  # a reset source re-reads everything and notifies


async def test_one_replica_at_a_time_holds_a_source_lease(store: Store) -> None:
    assert await store.take_lease("feed", "replica-a", now=T0, ttl_s=60)
    assert not await store.take_lease("feed", "replica-b", now=T0, ttl_s=60)
    assert await store.take_lease("feed", "replica-a", now=T0 + timedelta(seconds=30), ttl_s=60)
    # replica-a stopped renewing: after its lease ends replica-b takes over.
    assert await store.take_lease("feed", "replica-b", now=T0 + timedelta(seconds=91), ttl_s=60)
    assert not await store.take_lease("feed", "replica-a", now=T0 + timedelta(seconds=92), ttl_s=60)
    await store.release_lease("feed", "replica-b")
    assert await store.take_lease("feed", "replica-a", now=T0 + timedelta(seconds=93), ttl_s=60)


async def test_an_older_schema_is_upgraded_in_place_keeping_its_rows(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from notifier.store.migrate import alembic_config

    file = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{file}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")  # as the first release left it
        conn.execute(
            text(
                "INSERT INTO source_state (source_id, state, baseline_done, updated) "
                "VALUES ('feed', '{\"etag\": \"x\"}', 1, '2016-06-06 12:00:00')"
            )
        )
    engine.dispose()
    store = await Store.open(f"sqlite+aiosqlite:///{file}")  # opening migrates to head
    try:
        row = await store.source_row("feed")
        assert row is not None
        assert (row.state, row.baseline_done, row.updated) == ({"etag": "x"}, True, T0)
        assert await store.join("+77051234567", "KZ-AKT", "ru", T0)  # the table 0002 added
        assert await store.sms_subscriptions() == [("+77051234567", "KZ-AKT", "ru")]
    finally:
        await store.close()


async def test_rows_of_blocked_subscribers_are_suppressed_when_claimed(store: Store) -> None:
    # A STOP (or a 410) recorded by any replica stops rows already queued, e.g. held for quiet
    # hours: they are marked suppressed, never handed to a worker.
    ev = red_event()
    rows = [notice(ev, "alice", ChannelKind.TWILIO_SMS), notice(ev, "bob")]
    await store.commit_outcome(
        source_id="s", document=None, level_writes=[], new_events=[ev], notices=rows, now=T0
    )
    await store.set_opt_out("alice", True, "replied STOP", T0)
    await store.set_opt_out("bob", True, "replied STOP", T0)
    await store.set_opt_out("bob", False, "", T0)  # ... and START again
    [claimed] = await store.claim(limit=5, worker="w", now=T0, lease_s=15)
    assert claimed.subscriber_id == "bob"
    [suppressed] = await store.deliveries(status="suppressed")
    assert (suppressed["subscriber_id"], suppressed["last_error"]) == ("alice", "replied STOP")
    assert suppressed["attempts"] == 0
    assert await store.delivery_counts() == {"claimed": 1, "suppressed": 1}


async def test_a_suppressed_row_takes_no_place_in_the_claim(store: Store) -> None:
    # Rows are checked as they are claimed: a blocked subscriber's rows are suppressed and the
    # claim goes on to the next due rows, so a full claim still says "there may be more".
    ev = red_event()
    subscribers = ["a1", "a2", "a3", "bob", "carol"]
    rows = [notice(ev, s) for s in subscribers]
    await store.commit_outcome(
        source_id="s", document=None, level_writes=[], new_events=[ev], notices=rows, now=T0
    )
    for gone in ("a1", "a2", "a3"):
        await store.set_opt_out(gone, True, "HTTP 410", T0)
    claimed = await store.claim(limit=2, worker="w", now=T0, lease_s=15)
    assert sorted(d.subscriber_id for d in claimed) == ["bob", "carol"]
    assert await store.delivery_counts() == {"claimed": 2, "suppressed": 3}
    # A dead replica's claimed row of a subscriber blocked since is suppressed when taken over.
    await store.set_opt_out("bob", True, "replied STOP", T0)
    later = T0 + timedelta(seconds=60)
    [taken] = await store.claim(limit=5, worker="other", now=later, lease_s=15)
    assert taken.subscriber_id == "carol"
    assert await store.delivery_counts() == {"claimed": 1, "suppressed": 4}


async def test_outbox_writes_take_turns_within_a_process_on_sqlite(store: Store) -> None:
    # SQLite has one writer: the outbox's and the dispatcher's writes queue here, in order,
    # instead of sleeping in SQLite's busy handler (up to 100 ms a step). PostgreSQL locks rows,
    # so there they run side by side.
    seen: list[str] = []
    entered, second_in, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with write_transaction(store.engine):
            seen.append("first in")
            entered.set()
            await release.wait()
            seen.append("first out")

    async def second() -> None:
        async with write_transaction(store.engine):
            seen.append("second in")
            second_in.set()

    one = asyncio.create_task(first())
    await entered.wait()
    two = asyncio.create_task(second())
    if store.dialect == "sqlite":
        await asyncio.sleep(0.2)
        assert seen == ["first in"]
    else:
        await asyncio.wait_for(second_in.wait(), timeout=10)
        assert seen == ["first in", "second in"]
    release.set()
    await asyncio.gather(one, two)
    if store.dialect == "sqlite":
        assert seen == ["first in", "first out", "second in"]


async def test_upserts_insert_then_update_in_one_statement(store: Store) -> None:
    assert await store.join("+77051234567", "KZ-AKT", "ru", T0) is True
    assert await store.join("+77051234567", "KZ-AKT", "en", T0) is False  # already a member
    assert await store.sms_subscriptions() == [("+77051234567", "KZ-AKT", "ru")]
    await store.set_opt_out("alice", True, "replied STOP", T0)
    await store.set_opt_out("alice", True, "replied STOPALL", T0)
    assert await store.blocked_subscribers() == {"alice": "replied STOPALL"}
    doc = Document(source_id="s", id="d1", text="one")
    await store.mark_seen("s", [doc], T0)
    edited = Document(source_id="s", id="d1", text="two")
    await store.mark_seen("s", [edited], T0 + timedelta(hours=1))
    assert await store.unseen("s", [edited]) == []
    assert await store.unseen("s", [doc]) == [doc]
