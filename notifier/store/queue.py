"""The dispatch queue: committed events (and held reports) waiting for their outbox rows.

The levels transaction appends to it (`enqueue`, on the transaction's connection); the
dispatcher claims due groups under a lease (`claim_group`), routes and renders them outside any
lock, and writes their outbox rows and marks them dispatched in one transaction (`finish`).
The outbox asks it which claimed rows a later change of the same (scheme, area) superseded
(`superseded`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from notifier.model import (
    AreaRef,
    Event,
    Notice,
    Reported,
    Severity,
    SourceRef,
    Transition,
    TransitionKind,
)
from notifier.store import (
    CLAIMED,
    SUPERSEDED,
    _chunks,
    _insert_notices,
    _insert_or,
    _notify,
    write_transaction,
)
from notifier.store.tables import deliveries, dispatch_queue
from notifier.trust import announcement_from_record, announcement_record

DISPATCH_CHANNEL = "notifier_dispatch"
_CLAIM_LOCK_KEY = 0x6E6F_7469_6469_7370  # "notidisp": the dispatch claims' advisory lock
EVENT = "event"
WRITE_CHUNK = 500  # outbox rows per transaction; each is sendable once committed
REPORT = "report"


@dataclass(frozen=True, slots=True)
class Queued:
    """One claimed queue row, decoded."""

    seq: int
    batch: str
    created: datetime
    extreme: bool
    event: Event | None = None
    reported: Reported | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """What one look at the queue found: a group claimed now, or when the next one is due."""

    group: list[Queued]
    next_due: datetime | None


async def enqueue(
    conn: AsyncConnection, events: Sequence[Event], held: Sequence[Reported], now: datetime
) -> int:
    """Append a levels transaction's events and held reports as one batch; an id queued
    before (a replayed event) is left as it is. Wakes every replica's dispatcher on commit."""
    if not events and not held:
        return 0
    batch = uuid.uuid4().hex
    rows = [
        {
            "kind": EVENT,
            "ref_id": ev.id,
            "batch": batch,
            "scheme": ev.transition.scheme,
            "area_id": ev.transition.area.id,
            "extreme": ev.severity is Severity.EXTREME,
            "body": json.dumps(event_json(ev), ensure_ascii=False),
            "created": now,
        }
        for ev in events
    ]
    rows += [
        {
            "kind": REPORT,
            "ref_id": r.id,
            "batch": batch,
            "scheme": r.announcement.scheme,
            "area_id": r.announcement.area.id,
            "extreme": r.announcement.severity is Severity.EXTREME,
            "body": json.dumps(reported_json(r), ensure_ascii=False),
            "created": now,
        }
        for r in held
    ]
    added = 0
    for chunk in _chunks(rows, 500):
        statement = _insert_or(conn, dispatch_queue).on_conflict_do_nothing()
        result = await conn.execute(statement.returning(dispatch_queue.c.seq), list(chunk))
        added += len(result.all())
    if added and conn.dialect.name == "postgresql":
        await conn.execute(text(f"NOTIFY {DISPATCH_CHANNEL}"))
    return added


class DispatchQueue:
    def __init__(self, engine: AsyncEngine, *, write_chunk: int = WRITE_CHUNK) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.write_chunk = write_chunk  # outbox rows per transaction in `finish`

    async def claim_group(
        self,
        *,
        worker: str,
        now: datetime,
        group_wait_s: float,
        lease_s: float,
        limit: int = 500,
    ) -> Claim:
        """Claim the oldest group if it is due; otherwise say when it will be.

        A group is the oldest undispatched row's batch (one levels transaction: one document),
        and, when `group_wait_s` > 0, every row created within `group_wait_s` of it. It is due
        once that time has passed, or at once when it holds an extreme change. On PostgreSQL the
        claims take turns under an advisory lock (a claim is two short reads and an update) and
        read with FOR UPDATE SKIP LOCKED, so two dispatchers never claim or split one group; a
        claim whose lease ran out (its dispatcher died) is claimed again.
        """
        free = and_(
            dispatch_queue.c.dispatched.is_(None),
            or_(
                dispatch_queue.c.claimed_by.is_(None),
                dispatch_queue.c.lease_until < now,
                dispatch_queue.c.claimed_by == worker,
            ),
        )
        head = select(dispatch_queue).where(free).order_by(dispatch_queue.c.seq).limit(1)
        async with write_transaction(self.engine) as conn:
            if self.dialect == "postgresql":
                # Claims take turns (they are short; routing and writing are not in them), so
                # no two dispatchers split one group between them.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CLAIM_LOCK_KEY}
                )
            first = (await conn.execute(self._locking(head))).first()
            if first is None:
                return Claim([], None)
            window_end = first.created + timedelta(seconds=group_wait_s)
            member = dispatch_queue.c.batch == first.batch
            if group_wait_s > 0:
                member = or_(member, dispatch_queue.c.created <= window_end)
            # Only the group's rows are locked: another dispatcher takes the next group.
            pick = select(dispatch_queue).where(free, member).order_by(dispatch_queue.c.seq)
            group = (await conn.execute(self._locking(pick.limit(limit)))).all()
            if not group:
                return Claim([], None)
            due = group_wait_s <= 0 or now >= window_end or any(r.extreme for r in group)
            if not due:
                return Claim([], window_end)
            taken = await conn.execute(
                update(dispatch_queue)
                .where(dispatch_queue.c.seq.in_([r.seq for r in group]), free)
                .values(claimed_by=worker, lease_until=now + timedelta(seconds=lease_s))
            )
            if int(taken.rowcount or 0) < len(group):
                # Another process (SQLite has no row locks) took part of it meanwhile: give
                # back what this one took and look again soon.
                await conn.execute(
                    update(dispatch_queue)
                    .where(
                        dispatch_queue.c.seq.in_([r.seq for r in group]),
                        dispatch_queue.c.claimed_by == worker,
                        dispatch_queue.c.dispatched.is_(None),
                    )
                    .values(claimed_by=None, lease_until=None)
                )
                return Claim([], now + timedelta(seconds=1))
        return Claim([_queued(r) for r in group], None)

    def _locking(self, query: Any) -> Any:
        """PostgreSQL: lock the rows read, skipping rows another dispatcher holds."""
        if self.dialect == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query

    async def finish(
        self,
        group: Sequence[Queued],
        notices: Sequence[Notice],
        *,
        worker: str,
        now: datetime,
        on_written: Callable[[], None] = lambda: None,
    ) -> int:
        """Write the group's outbox rows, `write_chunk` per transaction, and mark the group
        dispatched with the last one; returns the rows that were new.

        Each committed chunk can be claimed at once (`on_written` runs after every chunk that
        wrote rows, and PostgreSQL replicas hear a NOTIFY), so a 10,000-follower fan-out
        starts sending after its first chunk, not its last. The group is marked only when all
        its rows exist: a dispatcher that dies midway leaves it to the next pass, which writes
        the missing rows (a row written before is left as it is: no duplicates)."""
        parts: list[Sequence[Notice]] = list(_chunks(list(notices), self.write_chunk)) or [[]]
        inserted = 0
        for i, part in enumerate(parts):
            async with write_transaction(self.engine) as conn:
                new = await _insert_notices(conn, part, now)
                if i == len(parts) - 1:
                    await self._mark_dispatched(conn, group, now)
                if new:
                    await _notify(conn)
            inserted += new
            if new:
                on_written()
        return inserted

    async def _mark_dispatched(
        self, conn: AsyncConnection, group: Sequence[Queued], now: datetime
    ) -> None:
        for seqs in _chunks([q.seq for q in group], 500):
            await conn.execute(
                update(dispatch_queue)
                .where(
                    dispatch_queue.c.seq.in_(list(seqs)),
                    dispatch_queue.c.dispatched.is_(None),
                )
                .values(dispatched=now, claimed_by=None, lease_until=None)
            )

    async def release(self, group: Sequence[Queued], worker: str) -> None:
        """Give a claimed group back (its dispatch failed): the next pass takes it again."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(dispatch_queue)
                .where(
                    dispatch_queue.c.seq.in_([q.seq for q in group]),
                    dispatch_queue.c.claimed_by == worker,
                )
                .values(claimed_by=None, lease_until=None)
            )

    async def release_all(self) -> int:
        """At start-up of the only process (SQLite): claims left by a crash are free again."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(dispatch_queue)
                .where(dispatch_queue.c.dispatched.is_(None))
                .values(claimed_by=None, lease_until=None)
            )
        return int(result.rowcount or 0)

    async def undispatched(self) -> int:
        async with self.engine.connect() as conn:
            count = await conn.execute(
                select(func.count()).where(dispatch_queue.c.dispatched.is_(None))
            )
            return int(count.scalar() or 0)

    async def superseded(self, event_ids: Mapping[str, Sequence[str]]) -> dict[str, str]:
        """{row id: newer event id} for every row all of whose events a later event of the same
        (scheme, area) superseded. `event_ids`: the events each row lists. Events the queue no
        longer knows (purged, or written before it existed) are never superseded."""
        wanted = sorted({e for ids in event_ids.values() for e in ids})
        if not wanted:
            return {}
        # One statement per 500 events (a claim's rows list a handful): each event with the
        # newest event of its (scheme, area) that came after it, read backwards on the area
        # index, or NULL when it is still the newest.
        later = dispatch_queue.alias("later")
        newest_after = (
            select(later.c.ref_id)
            .where(
                later.c.scheme == dispatch_queue.c.scheme,
                later.c.area_id == dispatch_queue.c.area_id,
                later.c.seq > dispatch_queue.c.seq,
                later.c.kind == EVENT,
            )
            .order_by(later.c.seq.desc())
            .limit(1)
            .scalar_subquery()
        )
        newer_of: dict[str, str | None] = {}
        async with self.engine.connect() as conn:
            for chunk in _chunks(wanted, 500):
                query = select(dispatch_queue.c.ref_id, newest_after.label("newer")).where(
                    dispatch_queue.c.ref_id.in_(list(chunk)), dispatch_queue.c.kind == EVENT
                )
                for r in await conn.execute(query):
                    newer_of[r.ref_id] = r.newer
        out: dict[str, str] = {}
        for row_id, ids in event_ids.items():
            newer = [newer_of.get(e) for e in ids]
            if newer and all(newer):
                out[row_id] = str(newer[0])
        return out

    async def mark_superseded(self, stale: dict[str, str], worker: str, now: datetime) -> None:
        """Record claimed rows as `superseded` (never sent), naming the newer event."""
        if not stale:
            return
        async with write_transaction(self.engine) as conn:
            await conn.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == bindparam("b_id"),
                    deliveries.c.status == CLAIMED,
                    deliveries.c.claimed_by == worker,
                )
                .values(
                    status=SUPERSEDED,
                    claimed_by=None,
                    claimed_at=None,
                    lease_until=None,
                    last_error=bindparam("b_error"),
                    updated=now,
                ),
                [{"b_id": i, "b_error": f"superseded by {newer}"} for i, newer in stale.items()],
            )

    async def purge(self, *, before: datetime, batch: int) -> int:
        """Delete dispatched rows created before `before`, `batch` at a time."""
        deleted = 0
        while True:
            async with self.engine.begin() as conn:
                old = (
                    select(dispatch_queue.c.seq)
                    .where(
                        dispatch_queue.c.dispatched.is_not(None),
                        dispatch_queue.c.created < before,
                    )
                    .limit(batch)
                )
                result = await conn.execute(
                    delete(dispatch_queue).where(dispatch_queue.c.seq.in_(old.scalar_subquery()))
                )
            count = int(result.rowcount or 0)
            deleted += count
            if count < batch:
                return deleted


# --- the stored form of events and reports ---------------------------------------------------


def event_json(ev: Event) -> dict[str, Any]:
    t = ev.transition
    return {
        "id": ev.id,
        "created": ev.created.isoformat(),
        "kind": t.kind.value,
        "scheme": t.scheme,
        "area": [t.area.id, t.area.name],
        "at": t.at.isoformat(),
        "level": t.level,
        "severity": t.severity.value if t.severity else None,
        "previous_level": t.previous_level,
        "previous_severity": t.previous_severity.value if t.previous_severity else None,
        "expires": t.expires.isoformat() if t.expires else None,
        "evidence": t.evidence,
        "source_id": t.source_id,
        "document_id": t.document_id,
        "sources": [s.to_json() for s in t.sources],
    }


def event_from_json(data: dict[str, Any]) -> Event:
    def when(key: str) -> datetime | None:
        value = data.get(key)
        return datetime.fromisoformat(value) if value else None

    transition = Transition(
        kind=TransitionKind(data["kind"]),
        scheme=data["scheme"],
        area=AreaRef(data["area"][0], data["area"][1]),
        at=datetime.fromisoformat(data["at"]),
        level=data["level"],
        severity=Severity(data["severity"]) if data["severity"] else None,
        previous_level=data["previous_level"],
        previous_severity=Severity(data["previous_severity"])
        if data["previous_severity"]
        else None,
        expires=when("expires"),
        evidence=data["evidence"],
        source_id=data["source_id"],
        document_id=data["document_id"],
        sources=tuple(SourceRef.from_json(s) for s in data["sources"]),
    )
    return Event(
        id=data["id"], transition=transition, created=datetime.fromisoformat(data["created"])
    )


def reported_json(r: Reported) -> dict[str, Any]:
    return {
        "id": r.id,
        "report_id": r.report_id,
        "announcement": announcement_record(r.announcement),
        "source": r.source.to_json(),
        "needs": r.needs,
        "created": r.created.isoformat(),
    }


def reported_from_json(data: dict[str, Any]) -> Reported:
    return Reported(
        id=data["id"],
        report_id=data["report_id"],
        announcement=announcement_from_record(data["announcement"]),
        source=SourceRef.from_json(data["source"]),
        needs=data["needs"],
        created=datetime.fromisoformat(data["created"]),
    )


def _queued(row: Any) -> Queued:
    body = json.loads(row.body)
    if row.kind == EVENT:
        return Queued(row.seq, row.batch, row.created, row.extreme, event=event_from_json(body))
    return Queued(row.seq, row.batch, row.created, row.extreme, reported=reported_from_json(body))
