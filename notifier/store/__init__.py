"""Storage: one async layer over SQLite (embedded default) and PostgreSQL (several replicas).

The stages never see SQL; the service calls these methods. Writes that belong together (a
document's level changes, its events and their outbox rows) go in one transaction, so a crash
either keeps all of them or none, and the document is read again after restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from notifier.errors import StoreError
from notifier.model import (
    AreaRef,
    ChannelKind,
    DeliveryResult,
    DeliveryStatus,
    Event,
    LevelState,
    Notice,
    Severity,
    SourceRef,
    Trust,
)
from notifier.store import migrate
from notifier.store.subscribers import SubscriberStore, bump_version, member_id
from notifier.store.tables import (
    deliveries,
    delivery_attempts,
    documents_seen,
    events,
    levels,
    meta,
    reports,
    review,
    send_rate,
    source_state,
    subscriber_flags,
)
from notifier.trust import (
    Report,
    ReportKey,
    ReportStatus,
    StoredReport,
    announcement_from_record,
    announcement_record,
)

log = logging.getLogger(__name__)

PENDING = "pending"
CLAIMED = "claimed"
SENT = "sent"
DEAD = "dead"
SUPPRESSED = "suppressed"  # never sent: the subscriber opted out or the endpoint is disabled
SUPERSEDED = "superseded"  # never sent: a later change of the same area made it stale
# A row's channel as its ChannelKind when it is one (looked up once: a row is read per attempt).
_CHANNEL_KINDS: dict[str, ChannelKind | str] = {kind.value: kind for kind in ChannelKind}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One outbox row as a worker sees it."""

    id: str
    event_id: str
    subscriber_id: str
    channel: str
    address: str
    body: str
    language: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    provider_id: str
    created: datetime
    sent_at: datetime | None
    event_ids: tuple[str, ...] = ()  # every change the notice lists (grouped notices: several)

    def notice(self) -> Notice:
        return Notice(
            event_id=self.event_id,
            subscriber_id=self.subscriber_id,
            channel=_CHANNEL_KINDS.get(self.channel, self.channel),
            to=self.address,
            body=self.body,
            language=self.language,
            delivery_id=self.id,
        )


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """The outcome of one attempt (or deferral) of a claimed row, and when to try next."""

    delivery: Delivery
    result: DeliveryResult
    retry_at: datetime | None


@dataclass(frozen=True, slots=True)
class SourceRow:
    source_id: str
    state: dict[str, Any]
    baseline_done: bool
    updated: datetime


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    source_id: str
    document_id: str
    announcement: dict[str, Any]
    confidence: float
    status: str
    created: datetime


def delivery_id(event_id: str, subscriber_id: str, channel: str) -> str:
    """The outbox key; also the webhook-id, so it stays the same across retries."""
    import hashlib

    digest = hashlib.sha256(f"{event_id}|{subscriber_id}|{channel}".encode()).hexdigest()
    return "msg_" + digest[:32]


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    async def open(cls, url: str, *, migrate_schema: bool = True) -> Store:
        """Connect, create the SQLite folder if needed, and migrate to the newest schema
        (`migrate_schema=False`: read a database as it is, e.g. `notifier simulate --from-store`)."""
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        engine = create_async_engine(url, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            if migrate_schema:
                await migrate.upgrade(engine)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise StoreError(f"cannot open database {parsed.render_as_string()}: {exc}") from exc
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    async def ping(self) -> None:
        """One round trip to the database; raises what the driver raises when it cannot."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # --- sources ---------------------------------------------------------------------------

    async def source_row(self, source_id: str) -> SourceRow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(source_state).where(source_state.c.source_id == source_id)
                )
            ).first()
        return _source_row(row) if row else None

    async def source_rows(self) -> list[SourceRow]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(select(source_state).order_by(source_state.c.source_id))
            ).all()
        return [_source_row(r) for r in rows]

    async def save_source_state(
        self, source_id: str, state: dict[str, Any], *, baseline_done: bool, now: datetime
    ) -> None:
        async with self.engine.begin() as conn:
            await _upsert(
                conn,
                source_state,
                {"source_id": source_id},
                {"state": json.dumps(state), "baseline_done": baseline_done, "updated": now},
            )

    async def take_lease(self, source_id: str, holder: str, *, now: datetime, ttl_s: float) -> bool:
        """Take or renew the right to poll a source; False while another replica holds it."""
        until = now + timedelta(seconds=ttl_s)
        free = or_(
            source_state.c.lease_until.is_(None),
            source_state.c.lease_until < now,
            source_state.c.lease_holder == holder,
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(source_state)
                .where(source_state.c.source_id == source_id, free)
                .values(lease_holder=holder, lease_until=until)
            )
            if result.rowcount:
                return True
            exists = (
                await conn.execute(
                    select(source_state.c.source_id).where(source_state.c.source_id == source_id)
                )
            ).first()
            if exists:
                return False
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        insert(source_state).values(
                            source_id=source_id,
                            state="{}",
                            baseline_done=False,
                            updated=now,
                            lease_holder=holder,
                            lease_until=until,
                        )
                    )
            except IntegrityError:
                return False  # another replica inserted it first
        return True

    async def release_lease(self, source_id: str, holder: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(source_state)
                .where(source_state.c.source_id == source_id, source_state.c.lease_holder == holder)
                .values(lease_holder=None, lease_until=None)
            )

    async def reset_source(self, source_id: str) -> int:
        """Forget what a source has seen; its next poll reads everything again (no baseline)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(documents_seen).where(documents_seen.c.source_id == source_id)
            )
            await conn.execute(delete(source_state).where(source_state.c.source_id == source_id))
            await _upsert(
                conn,
                source_state,
                {"source_id": source_id},
                {"state": "{}", "baseline_done": True, "updated": datetime.now(UTC)},
            )
        return int(result.rowcount or 0)

    async def unseen(self, source_id: str, docs: Sequence[Any]) -> list[Any]:
        """The documents whose id is new or whose content hash changed."""
        if not docs:
            return []
        known: dict[str, str] = {}
        ids = [d.id for d in docs]
        async with self.engine.connect() as conn:
            for chunk in _chunks(ids, 500):
                rows = await conn.execute(
                    select(documents_seen.c.document_id, documents_seen.c.content_hash).where(
                        documents_seen.c.source_id == source_id,
                        documents_seen.c.document_id.in_(chunk),
                    )
                )
                known.update({r.document_id: r.content_hash for r in rows})
        return [d for d in docs if known.get(d.id) != d.content_hash]

    async def mark_seen(self, source_id: str, docs: Iterable[Any], now: datetime) -> None:
        async with self.engine.begin() as conn:
            for d in docs:
                await _mark_seen(conn, source_id, d.id, d.content_hash, now)

    # --- one document's outcome, atomically ------------------------------------------------

    @contextlib.asynccontextmanager
    async def levels_transaction(self) -> AsyncIterator[LevelsTransaction]:
        """One transaction in which the levels are read and written under a lock.

        On PostgreSQL an advisory lock makes replicas take turns, so each applies its
        announcements to the levels the others left, never to a stale copy.
        """
        async with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LEVELS_LOCK_KEY}
                )
            elif self.dialect == "sqlite":
                # The sqlite3 driver begins a transaction only at the first write, so the reads
                # before it (levels, the trust stage's reports) would see no lock: take the
                # write lock first, and two processes on one file take turns as replicas do.
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield LevelsTransaction(conn)

    async def commit_outcome(self, **outcome: Any) -> int:
        """`LevelsTransaction.commit_outcome` in a transaction of its own."""
        async with self.levels_transaction() as tx:
            return await tx.commit_outcome(**outcome)

    # --- levels ----------------------------------------------------------------------------

    async def level_states(self) -> list[LevelState]:
        async with self.engine.connect() as conn:
            return await LevelsTransaction(conn).states()

    async def level_memory(self) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            return await LevelsTransaction(conn).memory()

    # --- events ----------------------------------------------------------------------------

    async def recent_events(self, limit: int = 100) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(select(events).order_by(events.c.created.desc()).limit(limit))
            ).all()
        return [_event_row(r) for r in rows]

    # --- outbox ----------------------------------------------------------------------------

    async def listen_outbox(
        self, on_new_rows: Callable[[], None], retry_s: float = 2.0, channel: str = ""
    ) -> None:
        """Call `on_new_rows` whenever any replica commits outbox rows (or NOTIFYs `channel`,
        e.g. the dispatch queue's); runs until cancelled.

        PostgreSQL only (LISTEN on a connection of its own, reconnecting after a loss and
        waking once on each connect, as rows may have come meanwhile); on SQLite the only
        process wakes itself, so this just waits.
        """
        if self.dialect != "postgresql":
            await asyncio.Event().wait()
            return
        import asyncpg

        dsn = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                conn = await asyncpg.connect(dsn, timeout=10)
            except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
                log.warning("outbox: cannot LISTEN for new rows (%s); again in %gs", exc, retry_s)
                await asyncio.sleep(retry_s)
                continue
            try:
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(channel or OUTBOX_CHANNEL, lambda *_args: on_new_rows())
                on_new_rows()
                await lost.wait()
                log.warning("outbox: LISTEN connection lost; reconnecting")
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))
            await asyncio.sleep(retry_s)

    async def claim(
        self,
        *,
        limit: int,
        worker: str,
        now: datetime,
        lease_s: float,
        exclude_subscribers: Collection[str] = (),
        exclude_channels: Collection[str] = (),
        channel_limits: Mapping[str, int] | None = None,
    ) -> list[Delivery]:
        """Take up to `limit` due rows under a lease until `now + lease_s`, in one transaction.

        Due: pending rows whose time has come, and claimed rows whose lease ran out (their owner
        died; a live owner extends its leases). Rows of `exclude_subscribers` (endpoints with no
        free slot) and `exclude_channels` (a sender that must wait) stay for later.
        A channel in `channel_limits` (a rate-limited sender) gets at most that many rows, picked
        first; the rest of `limit` goes to the other channels. So a backlog of one channel never
        fills a claim while another's rows are due, and a flood of webhooks never starves SMS.
        PostgreSQL locks the picked rows with SKIP LOCKED, so replicas never take the same row.
        """
        if limit <= 0:
            return []
        # Two picks, each an index range scan with no sort: rows whose lease ran out (rare),
        # then pending rows in due order. One OR-ed query scanned and sorted the whole backlog.
        expired = and_(
            deliveries.c.status == CLAIMED,
            or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            deliveries.c.claimed_by != worker,
        )
        pending = and_(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
        # Each channel's share: a limited channel's own count, then the rest for the others.
        left: dict[str, int] = {ch: max(0, n) for ch, n in (channel_limits or {}).items()}
        left.update(dict.fromkeys(exclude_channels, 0))
        shares: list[tuple[str | None, ColumnElement[bool]]] = [
            (ch, deliveries.c.channel == ch) for ch, n in sorted(left.items()) if n > 0
        ]
        shares.append(
            (None, deliveries.c.channel.not_in(list(left)) if left else true()),
        )
        claimed: list[Delivery] = []
        async with write_transaction(self.engine) as conn:
            # A blocked subscriber's row is suppressed, not handed out, and takes no place in
            # the claim: pick again until the claim is full or a pick holds no blocked row.
            while True:
                picked: list[Delivery] = []
                for (due, order), (channel, share) in itertools.product(
                    (
                        (expired, deliveries.c.lease_until),
                        (pending, deliveries.c.next_attempt_at),
                    ),
                    shares,
                ):
                    want = limit - len(claimed) - len(picked)
                    if channel is not None:
                        want = min(want, left[channel])
                    if want <= 0:
                        continue
                    pick = select(deliveries.c.id).where(due, share)
                    if exclude_subscribers:
                        pick = pick.where(
                            deliveries.c.subscriber_id.not_in(list(exclude_subscribers))
                        )
                    pick = pick.order_by(order).limit(want)
                    if self.dialect == "postgresql":
                        pick = pick.with_for_update(skip_locked=True)
                    statement = (
                        update(deliveries)
                        .where(deliveries.c.id.in_(pick.scalar_subquery()))
                        .values(
                            status=CLAIMED,
                            claimed_by=worker,
                            claimed_at=now,
                            lease_until=now + timedelta(seconds=lease_s),
                            updated=now,
                        )
                        .returning(*_DELIVERY_COLUMNS)
                    )
                    taken = [_claimed(r) for r in (await conn.execute(statement)).all()]
                    if channel is not None:
                        left[channel] -= len(taken)
                    picked.extend(taken)
                kept = await _suppress_blocked(conn, picked, now)
                claimed.extend(kept)
                if len(kept) == len(picked):
                    break
        return sorted(claimed, key=lambda d: (d.next_attempt_at, d.id))

    async def extend_leases(self, worker: str, *, now: datetime, lease_s: float) -> int:
        """The heartbeat: every row `worker` holds stays its own until `now + lease_s`."""
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(
                update(deliveries)
                .where(deliveries.c.claimed_by == worker, deliveries.c.status == CLAIMED)
                .values(lease_until=now + timedelta(seconds=lease_s))
            )
        return int(result.rowcount or 0)

    async def next_due(self, worker: str) -> datetime | None:
        """When the next row becomes claimable: a pending row's time or another's lease end."""
        async with self.engine.connect() as conn:
            pending = (
                await conn.execute(
                    select(func.min(deliveries.c.next_attempt_at)).where(
                        deliveries.c.status == PENDING
                    )
                )
            ).scalar()
            leased = (
                await conn.execute(
                    select(func.min(deliveries.c.lease_until)).where(
                        deliveries.c.status == CLAIMED, deliveries.c.claimed_by != worker
                    )
                )
            ).scalar()
        times = [t for t in (pending, leased) if t is not None]
        return min(times) if times else None

    async def release(self, ids: Sequence[str], worker: str, now: datetime) -> None:
        """Give claimed rows back before an attempt started (graceful shutdown; rows beyond
        what one endpoint may hold); not an attempt: they are due again at once."""
        if not ids:
            return
        async with write_transaction(self.engine) as conn:
            for chunk in _chunks(list(ids), 500):
                await conn.execute(_unclaim(chunk, worker, now))
            await _notify(conn)

    async def defer(
        self, ids: Sequence[str], worker: str, *, until: datetime, reason: str, now: datetime
    ) -> int:
        """Put claimed rows back for later without counting an attempt (an open circuit)."""
        if not ids:
            return 0
        count = 0
        async with write_transaction(self.engine) as conn:
            for chunk in _chunks(list(ids), 500):
                result = await conn.execute(
                    _unclaim(chunk, worker, now)
                    .values(next_attempt_at=until, last_error=reason[:2000])
                    .returning(deliveries.c.id, deliveries.c.attempts)
                )
                deferred = result.all()
                count += len(deferred)
                if deferred:
                    await conn.execute(
                        insert(delivery_attempts),
                        [
                            {
                                "delivery_id": r.id,
                                "attempt": r.attempts,
                                "at": now,
                                "outcome": "deferred",
                                "reason": reason[:500],
                                "worker": worker,
                            }
                            for r in deferred
                        ],
                    )
        return count

    async def release_all_claims(self, now: datetime) -> int:
        """At start-up of the only process (SQLite): claims left by a crash are free again."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(deliveries)
                .where(deliveries.c.status == CLAIMED)
                .values(
                    status=PENDING, claimed_by=None, claimed_at=None, lease_until=None, updated=now
                )
            )
        return int(result.rowcount or 0)

    async def record_attempt(
        self,
        delivery: Delivery,
        result: DeliveryResult,
        *,
        worker: str,
        now: datetime,
        retry_at: datetime | None,
    ) -> str:
        """Store one attempt's outcome; returns the new status (sent, pending or dead)."""
        [status] = await self.record_attempts(
            [AttemptRecord(delivery, result, retry_at)], worker=worker, now=now
        )
        return status

    async def record_attempts(
        self, records: Sequence[AttemptRecord], *, worker: str, now: datetime
    ) -> list[str]:
        """Store the outcomes of many attempts in one transaction; returns each new status.

        A deferred result (not attempted) goes back to pending without counting an attempt. A
        410 stops every pending row of that endpoint at once, and an opt-out or a 410 is kept in
        `subscriber_flags` so routing skips the subscriber from now on.
        """
        statuses: list[str] = []
        params: list[dict[str, Any]] = []
        for rec in records:
            d, result = rec.delivery, rec.result
            status = _status_after(result, rec.retry_at)
            statuses.append(status)
            attempted = result.status is not DeliveryStatus.DEFERRED
            params.append(
                {
                    "b_id": d.id,
                    "b_worker": worker,
                    "b_status": status,
                    "b_attempts": d.attempts + (1 if attempted else 0),
                    "b_error": "" if status == SENT else result.reason[:2000],
                    "b_provider_id": result.provider_id or d.provider_id,
                    "b_sent_at": now if status == SENT else d.sent_at,
                    "b_next": rec.retry_at
                    if status == PENDING and rec.retry_at
                    else d.next_attempt_at,
                }
            )
        if not params:
            return statuses
        stmt = (
            update(deliveries)
            .where(
                deliveries.c.id == bindparam("b_id"),
                deliveries.c.claimed_by == bindparam("b_worker"),
            )
            .values(
                status=bindparam("b_status"),
                attempts=bindparam("b_attempts"),
                claimed_by=None,
                claimed_at=None,
                lease_until=None,
                updated=now,
                last_error=bindparam("b_error"),
                provider_id=bindparam("b_provider_id"),
                sent_at=bindparam("b_sent_at"),
                next_attempt_at=bindparam("b_next"),
            )
        )
        # The common case, sent with nothing row-specific to store, is one UPDATE for all of them.
        simple = [
            p["b_id"]
            for rec, p in zip(records, params, strict=True)
            if p["b_status"] == SENT and not rec.result.provider_id and p["b_sent_at"] == now
        ]
        simple_ids = set(simple)
        params = [p for p in params if p["b_id"] not in simple_ids]
        history = [
            {
                "delivery_id": rec.delivery.id,
                "attempt": rec.delivery.attempts
                + (0 if rec.result.status is DeliveryStatus.DEFERRED else 1),
                "at": now,
                "outcome": rec.result.status.value,
                "reason": rec.result.reason[:500],
                "worker": worker,
            }
            for rec in records
        ]
        async with write_transaction(self.engine) as conn:
            await conn.execute(insert(delivery_attempts), history)
            for chunk in _chunks(simple, 1000):
                await conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id.in_(chunk), deliveries.c.claimed_by == worker)
                    .values(
                        status=SENT,
                        attempts=deliveries.c.attempts + 1,
                        claimed_by=None,
                        claimed_at=None,
                        lease_until=None,
                        updated=now,
                        last_error="",
                        sent_at=now,
                    )
                )
            if params:
                await conn.execute(stmt, params)
            for rec in records:
                result = rec.result
                if not (result.opted_out or result.disable_endpoint):
                    continue
                await _upsert(
                    conn,
                    subscriber_flags,
                    {"subscriber_id": rec.delivery.subscriber_id},
                    {
                        "opted_out": result.opted_out,
                        "disabled": result.disable_endpoint,
                        "reason": result.reason[:500],
                        "updated": now,
                    },
                )
                await bump_version(conn)
                if result.disable_endpoint:
                    await _stop_endpoint(conn, rec.delivery, result.reason, worker, now)
        return statuses

    async def deliveries(
        self, *, status: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        from notifier.store.listings import attempt_histories  # it imports this module

        query = select(deliveries).order_by(deliveries.c.created.desc()).limit(limit)
        if status:
            query = query.where(deliveries.c.status == status)
        async with self.engine.connect() as conn:
            rows = [_jsonable(r._asdict()) for r in (await conn.execute(query)).all()]
            history = await attempt_histories(conn, [r["id"] for r in rows])
        for row in rows:
            row["history"] = history[row["id"]]
        return rows

    async def delivery_counts(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
                )
            ).all()
        return {r[0]: int(r[1]) for r in rows}

    async def replay_dead(self, now: datetime, ids: Sequence[str] = ()) -> int:
        """Put dead-lettered rows back in the queue (all, or the given ids)."""
        query = update(deliveries).where(deliveries.c.status == DEAD)
        if ids:
            query = query.where(deliveries.c.id.in_(list(ids)))
        async with self.engine.begin() as conn:
            result = await conn.execute(
                query.values(status=PENDING, attempts=0, next_attempt_at=now, updated=now)
            )
            await _notify(conn)
        return int(result.rowcount or 0)

    async def update_provider_status(
        self, provider_id: str, status: str, error_code: str, now: datetime
    ) -> bool:
        """Record a provider's delivery report unless the row already has a later status."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(deliveries.c.id, deliveries.c.provider_status).where(
                        deliveries.c.provider_id == provider_id
                    )
                )
            ).first()
            if row is None:
                return False
            if _STATUS_ORDER.get(status, 0) < _STATUS_ORDER.get(row.provider_status, 0):
                return False
            values: dict[str, Any] = {"provider_status": status[:30], "updated": now}
            if error_code:
                values["last_error"] = f"provider error {error_code}"
            await conn.execute(update(deliveries).where(deliveries.c.id == row.id).values(**values))
        return True

    # --- subscribers -----------------------------------------------------------------------

    async def blocked_subscribers(self) -> dict[str, str]:
        """Subscribers who opted out and endpoints that answered 410, with the reason."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(subscriber_flags).where(
                        or_(subscriber_flags.c.opted_out, subscriber_flags.c.disabled)
                    )
                )
            ).all()
        return {
            r.subscriber_id: r.reason or ("opted out" if r.opted_out else "disabled") for r in rows
        }

    async def set_opt_out(
        self, subscriber_id: str, opted_out: bool, reason: str, now: datetime
    ) -> None:
        async with self.engine.begin() as conn:
            await _upsert(
                conn,
                subscriber_flags,
                {"subscriber_id": subscriber_id},
                {"opted_out": opted_out, "disabled": False, "reason": reason, "updated": now},
            )
            await bump_version(conn)  # every replica routes around (or to) it again

    async def enqueue(self, notices: Sequence[Notice], now: datetime) -> int:
        """Write notices to the outbox outside a levels transaction (a new subscriber told the
        level in force); rows already there stay as they are."""
        if not notices:
            return 0
        async with self.engine.begin() as conn:
            inserted = await _insert_notices(conn, notices, now)
            if inserted:
                await _notify(conn)
        return inserted

    # --- subscriptions by SMS (JOIN / LEAVE): subscribers of origin sms ------------------

    @property
    def subscribers(self) -> SubscriberStore:
        return SubscriberStore(self.engine)

    async def sms_subscriptions(self) -> list[tuple[str, str, str]]:
        """(phone, area id, language) of everyone who joined by SMS."""
        _, rows = await self.subscribers.all()
        found = [
            (contact.address, area, row.language)
            for row in rows
            if row.origin == "sms"
            for contact in row.contacts
            if contact.kind == "sms"
            for area in row.areas
        ]
        return sorted(found)

    async def join(self, phone: str, area_id: str, language: str, now: datetime) -> bool:
        """Subscribe `phone` to `area_id`; False when it already was."""
        return await self.subscribers.join(member_id(phone), phone, area_id, language, now)

    async def joins_since(self, phone: str, since: datetime) -> int:
        """How many of `phone`'s subscriptions were made at `since` or later."""
        return await self.subscribers.area_added_since(member_id(phone), since)

    async def leave(self, phone: str, area_id: str | None = None) -> int:
        """Unsubscribe `phone` from one area, or from all when `area_id` is None."""
        return await self.subscribers.leave(member_id(phone), area_id, datetime.now(UTC))

    # --- review queue ----------------------------------------------------------------------

    async def review_items(self, status: str | None = "pending") -> list[ReviewItem]:
        query = select(review).order_by(review.c.id)
        if status:
            query = query.where(review.c.status == status)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_review_item(r) for r in rows]

    async def decide_review(
        self, item_id: int, status: str, now: datetime, *, from_status: str = "pending"
    ) -> ReviewItem | None:
        """Move an item from `from_status` to `status`; None when it is not in `from_status`.

        pending -> approved | rejected (the operator), approved -> applied (the service).
        """
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(review)
                .where(review.c.id == item_id, review.c.status == from_status)
                .values(status=status, decided=now)
            )
            if not result.rowcount:
                return None
            row = (await conn.execute(select(review).where(review.c.id == item_id))).one()
        return _review_item(row)

    # --- reports (the trust stage's ledger) ------------------------------------------------

    async def reports(
        self, status: str | None = "unconfirmed", limit: int = 1000
    ) -> list[StoredReport]:
        """Reports, newest first; `status` None for all."""
        query = select(reports).order_by(reports.c.id.desc()).limit(limit)
        if status:
            query = query.where(reports.c.status == status)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_stored_report(r) for r in rows]

    async def decide_report(
        self, report_id: int, status: ReportStatus, now: datetime
    ) -> StoredReport | None:
        """An operator's decision: unconfirmed -> approved (confirm) or dismissed; None when
        the report does not exist or is no longer unconfirmed."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(reports)
                .where(reports.c.id == report_id, reports.c.status == ReportStatus.UNCONFIRMED)
                .values(status=status.value, decided=now, decided_by="operator")
            )
            if not result.rowcount:
                return None
            row = (await conn.execute(select(reports).where(reports.c.id == report_id))).one()
        return _stored_report(row)

    # --- the shared SMS send rate ----------------------------------------------------------

    async def book_send(
        self, sender: str, *, now_s: float, interval_s: float, max_wait_s: float
    ) -> tuple[bool, float]:
        """Book the sender's next free send slot, one statement shared by all replicas.

        Returns (True, seconds until the booked slot) or, when the next free slot is more than
        `max_wait_s` away, (False, seconds until it) and books nothing. `now_s` is wall-clock
        seconds since the epoch. The row is advanced with INSERT … ON CONFLICT DO UPDATE …
        RETURNING, which PostgreSQL runs atomically under the row lock, so concurrent bookers
        get distinct slots `interval_s` apart.
        """
        async with self.engine.begin() as conn:
            greatest = func.greatest if conn.dialect.name == "postgresql" else func.max
            statement = _insert_or(conn, send_rate).values(
                sender=sender, next_free=now_s + interval_s
            )
            statement = statement.on_conflict_do_update(
                index_elements=["sender"],
                set_={"next_free": greatest(send_rate.c.next_free, now_s) + interval_s},
                where=send_rate.c.next_free <= now_s + max_wait_s,
            ).returning(send_rate.c.next_free)
            booked = (await conn.execute(statement)).scalar_one_or_none()
            if booked is not None:
                return True, max(0.0, booked - interval_s - now_s)
            current = (
                await conn.execute(
                    select(send_rate.c.next_free).where(send_rate.c.sender == sender)
                )
            ).scalar_one()
        return False, max(0.0, current - now_s)

    # --- retention -------------------------------------------------------------------------

    async def purge(
        self,
        *,
        now: datetime,
        documents_s: float | None,
        events_s: float | None,
        deliveries_s: float | None,
        reports_s: float | None,
        batch: int = 1000,
    ) -> dict[str, int]:
        """Delete what is older than its age (None: keep for ever); rows deleted per kind.

        Never deleted: pending or claimed deliveries, the events they belong to, and whatever
        a level in force rests on (its area's events since the level was set, the documents
        those events came from, and its area's reports since then). Deletes go in batches of
        `batch` rows, one short transaction each, so a large purge never holds long locks.
        """
        in_force = (
            select(levels.c.scheme)
            .where(
                levels.c.scheme == events.c.scheme,
                levels.c.area_id == events.c.area_id,
                events.c.at >= levels.c.since,
            )
            .exists()
        )
        done: dict[str, int] = {}
        if deliveries_s is not None:
            cutoff = now - timedelta(seconds=deliveries_s)
            pick = select(deliveries.c.id).where(
                deliveries.c.status.in_((SENT, SUPPRESSED, SUPERSEDED, DEAD)),
                deliveries.c.updated < cutoff,
            )
            done["deliveries"] = await self._purge_batches(
                pick,
                batch,
                lambda ids: [
                    delete(delivery_attempts).where(delivery_attempts.c.delivery_id.in_(ids)),
                    delete(deliveries).where(deliveries.c.id.in_(ids)),
                ],
            )
        if events_s is not None:
            cutoff = now - timedelta(seconds=events_s)
            unfinished = (
                select(deliveries.c.id)
                .where(
                    deliveries.c.event_id == events.c.id,
                    deliveries.c.status.in_((PENDING, CLAIMED)),
                )
                .exists()
            )
            pick = select(events.c.id).where(events.c.created < cutoff, ~unfinished, ~in_force)
            done["events"] = await self._purge_batches(
                pick, batch, lambda ids: [delete(events).where(events.c.id.in_(ids))]
            )
        if documents_s is not None:
            cutoff = now - timedelta(seconds=documents_s)
            rests_on = (
                select(events.c.id)
                .where(
                    events.c.source_id == documents_seen.c.source_id,
                    events.c.document_id == documents_seen.c.document_id,
                    in_force,
                )
                .exists()
            )
            key = tuple_(documents_seen.c.source_id, documents_seen.c.document_id)
            pick = select(documents_seen.c.source_id, documents_seen.c.document_id).where(
                documents_seen.c.last_seen < cutoff, ~rests_on
            )
            done["documents"] = await self._purge_batches(
                pick, batch, lambda ids: [delete(documents_seen).where(key.in_(ids))]
            )
        if reports_s is not None:
            cutoff = now - timedelta(seconds=reports_s)
            standing = (
                select(levels.c.scheme)
                .where(
                    levels.c.scheme == reports.c.scheme,
                    levels.c.area_id == reports.c.area_id,
                    reports.c.reported_at >= levels.c.since,
                )
                .exists()
            )
            decided = (ReportStatus.CONFIRMED.value, ReportStatus.DISMISSED.value)
            pick = select(reports.c.id).where(
                reports.c.status.in_(decided), reports.c.decided < cutoff, ~standing
            )
            done["reports"] = await self._purge_batches(
                pick, batch, lambda ids: [delete(reports).where(reports.c.id.in_(ids))]
            )
        return done

    async def _purge_batches(
        self, pick: Any, batch: int, statements: Callable[[list[Any]], list[Any]]
    ) -> int:
        total = 0
        while True:
            async with self.engine.begin() as conn:
                rows = (await conn.execute(pick.limit(batch))).all()
                ids = [r[0] if len(r) == 1 else tuple(r) for r in rows]
                for statement in statements(ids) if ids else []:
                    await conn.execute(statement)
            total += len(ids)
            if len(ids) < batch:
                return total


class LevelsTransaction:
    """Reads and writes of the levels inside `Store.levels_transaction()`."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def version(self) -> int:
        """Counts level commits; a replica whose copy is older reloads it."""
        row = (
            await self.conn.execute(select(meta.c.value).where(meta.c.key == "levels_version"))
        ).first()
        return int(row.value) if row else 0

    async def states(self) -> list[LevelState]:
        rows = (
            await self.conn.execute(select(levels).order_by(levels.c.scheme, levels.c.area_id))
        ).all()
        return [
            LevelState(
                scheme=r.scheme,
                area=AreaRef(r.area_id, r.area_name),
                level=r.level,
                severity=Severity(r.severity),
                since=r.since,
                expires=r.expires,
                updated=r.updated,
                origin=r.origin,
                evidence=r.evidence,
            )
            for r in rows
        ]

    async def memory(self) -> dict[str, Any] | None:
        row = (
            await self.conn.execute(select(meta.c.value).where(meta.c.key == "levelbook"))
        ).first()
        return json.loads(row.value) if row else None

    async def commit_outcome(
        self,
        *,
        source_id: str,
        document: Any | None,
        level_writes: Sequence[tuple[str, str, LevelState | None]],
        new_events: Sequence[Event],
        notices: Sequence[Notice],
        reviews: Sequence[tuple[dict[str, Any], float]] = (),
        level_memory: dict[str, Any] | None = None,
        now: datetime,
    ) -> int:
        """Write a document's level changes, events, outbox rows and review items together.

        Returns how many outbox rows were new (a replayed event inserts none).
        """
        conn = self.conn
        for scheme, area_id, state in level_writes:
            await conn.execute(
                delete(levels).where(levels.c.scheme == scheme, levels.c.area_id == area_id)
            )
            if state is not None:
                await conn.execute(insert(levels).values(**_level_values(state)))
        if level_memory is not None:
            await _upsert(conn, meta, {"key": "levelbook"}, {"value": json.dumps(level_memory)})
        if level_writes or level_memory is not None:
            version = await self.version() + 1
            await _upsert(conn, meta, {"key": "levels_version"}, {"value": str(version)})
        for ev in new_events:
            exists = (await conn.execute(select(events.c.id).where(events.c.id == ev.id))).first()
            if not exists:
                await conn.execute(insert(events).values(**_event_values(ev)))
        inserted = await _insert_notices(conn, notices, now)
        if inserted:
            await _notify(conn)
        for announcement, confidence in reviews:
            await conn.execute(
                insert(review).values(
                    source_id=source_id,
                    document_id=announcement.get("document_id", ""),
                    announcement=json.dumps(announcement, ensure_ascii=False),
                    confidence=confidence,
                    status="pending",
                    created=now,
                )
            )
        if document is not None:
            await _mark_seen(conn, source_id, document.id, document.content_hash, now)
        return inserted

    # --- the reports ledger (notifier.trust.ReportLedger) ----------------------------------

    async def find_report(
        self, source_id: str, document_id: str, key: ReportKey
    ) -> StoredReport | None:
        scheme, area_id, level, action = key
        row = (
            await self.conn.execute(
                select(reports).where(
                    reports.c.source_id == source_id,
                    reports.c.document_id == document_id,
                    reports.c.scheme == scheme,
                    reports.c.area_id == area_id,
                    reports.c.level == level,
                    reports.c.action == action,
                )
            )
        ).first()
        return _stored_report(row) if row else None

    async def reports_near(
        self, key: ReportKey, since: datetime, until: datetime
    ) -> list[StoredReport]:
        scheme, area_id, level, action = key
        rows = (
            await self.conn.execute(
                select(reports)
                .where(
                    reports.c.scheme == scheme,
                    reports.c.area_id == area_id,
                    reports.c.level == level,
                    reports.c.action == action,
                    reports.c.reported_at >= since,
                    reports.c.reported_at <= until,
                    reports.c.status != ReportStatus.DISMISSED.value,
                )
                .order_by(reports.c.id)
            )
        ).all()
        return [_stored_report(r) for r in rows]

    async def add_report(
        self,
        report: Report,
        *,
        reported_at: datetime,
        status: ReportStatus,
        needs: str,
        decided_by: str,
        now: datetime,
    ) -> int:
        scheme, area_id, level, action = report.key
        source = report.source
        result = await self.conn.execute(
            insert(reports)
            .values(
                scheme=scheme,
                area_id=area_id,
                level=level,
                action=action,
                source_id=source.source_id,
                trust=source.trust.value,
                site=source.site[:300],
                document_id=source.document_id,
                url=source.url,
                announcement=json.dumps(
                    announcement_record(report.announcement), ensure_ascii=False
                ),
                reported_at=reported_at,
                created=now,
                status=status.value,
                needs=needs,
                decided=now if status is ReportStatus.CONFIRMED else None,
                decided_by=decided_by,
            )
            .returning(reports.c.id)
        )
        return int(result.scalar_one())

    async def set_report_status(
        self, ids: Sequence[int], status: ReportStatus, decided_by: str, now: datetime
    ) -> None:
        if ids:
            await self.conn.execute(
                update(reports)
                .where(reports.c.id.in_(list(ids)))
                .values(status=status.value, decided=now, decided_by=decided_by)
            )

    async def take_approved_report(self, report_id: int, now: datetime) -> StoredReport | None:
        result = await self.conn.execute(
            update(reports)
            .where(reports.c.id == report_id, reports.c.status == ReportStatus.APPROVED.value)
            .values(status=ReportStatus.CONFIRMED.value, decided=now, decided_by="operator")
        )
        if not result.rowcount:
            return None
        row = (await self.conn.execute(select(reports).where(reports.c.id == report_id))).one()
        return _stored_report(row)


_LEVELS_LOCK_KEY = 0x6E6F7469  # "noti": the advisory lock replicas take turns on


# Twilio message statuses in the order they happen; callbacks can arrive out of order.
_STATUS_ORDER = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "read": 6,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
}


# --- helpers -------------------------------------------------------------------------------

# SQLite has one writer at a time, and a connection that finds the database locked sleeps in
# steps of up to 100 ms (its busy handler) before it looks again. The outbox's recorder writes
# again the moment a write ends, so the dispatcher's chunks and the claims slept behind it while
# the pipeline ran dry. The hot writers of one process take turns here instead, in order and
# with no sleeping; one lock per engine (and event loop: a lock belongs to the loop it waits in).
_WRITE_TURNS: weakref.WeakKeyDictionary[Any, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


@contextlib.asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.begin()` for the outbox's and the dispatcher's writes: on SQLite they take
    turns within the process (see `_WRITE_TURNS`); PostgreSQL locks rows, not the database."""
    if engine.dialect.name != "sqlite":
        async with engine.begin() as conn:
            yield conn
        return
    loop = asyncio.get_running_loop()
    held = _WRITE_TURNS.get(engine.sync_engine)
    if held is None or held[0] is not loop:
        held = _WRITE_TURNS[engine.sync_engine] = (loop, asyncio.Lock())
    async with held[1], engine.begin() as conn:
        yield conn


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _insert_or(conn: AsyncConnection, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT (both engines speak it); replicas racing on one key
    never hit an IntegrityError the way update-then-insert did."""
    return _insert_or_for(conn.dialect.name, table)


def _insert_or_for(dialect: str, table: Any) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def _upsert(
    conn: AsyncConnection, table: Any, key: dict[str, Any], values: dict[str, Any]
) -> None:
    statement = _insert_or(conn, table).values(**key, **values)
    await conn.execute(statement.on_conflict_do_update(index_elements=list(key), set_=values))


async def _mark_seen(
    conn: AsyncConnection, source_id: str, document_id: str, content_hash: str, now: datetime
) -> None:
    statement = _insert_or(conn, documents_seen).values(
        source_id=source_id,
        document_id=document_id,
        content_hash=content_hash,
        first_seen=now,
        last_seen=now,
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["source_id", "document_id"],
            set_={"content_hash": content_hash, "last_seen": now},
        )
    )


async def _insert_notices(conn: AsyncConnection, notices: Sequence[Notice], now: datetime) -> int:
    """Insert outbox rows in batches; a row whose key exists already is left as it is."""
    inserted = 0
    for chunk in _chunks(list(notices), 500):
        ids = [n.delivery_id for n in chunk]
        existing = {
            r.id
            for r in (await conn.execute(select(deliveries.c.id).where(deliveries.c.id.in_(ids))))
        }
        rows = [
            {
                "id": n.delivery_id,
                "event_id": n.event_id,
                "subscriber_id": n.subscriber_id,
                "channel": str(n.channel),
                "address": n.to,
                "body": n.body,
                "language": n.language,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": max(now, n.not_before) if n.not_before else now,
                "last_error": "",
                "provider_id": "",
                "provider_status": "",
                "event_ids": " ".join(n.event_ids or (n.event_id,)),
                "created": now,
                "updated": now,
            }
            for n in chunk
            if n.delivery_id not in existing
        ]
        if rows:
            # Two dispatchers writing the same notice (deterministic ids) write it once.
            # (executemany: one compiled statement, batched by the driver, not 16,000 binds)
            statement = _insert_or(conn, deliveries).on_conflict_do_nothing()
            result = await conn.execute(statement.returning(deliveries.c.id), rows)
            inserted += len(result.all())
    return inserted


OUTBOX_CHANNEL = "notifier_outbox"


async def _notify(conn: AsyncConnection) -> None:
    """Wake every replica's outbox worker when this transaction commits (PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"NOTIFY {OUTBOX_CHANNEL}"))


async def _suppress_blocked(
    conn: AsyncConnection, claimed: list[Delivery], now: datetime
) -> list[Delivery]:
    """Claimed rows of subscribers who opted out (STOP, Twilio 21610) or endpoints that are
    disabled (410) become `suppressed`, never sent; returns the others. The database decides,
    not a replica's memory, so a STOP texted to one replica stops rows another replica wrote.

    One look-up by primary key for the batch's subscribers: every row is checked when it is
    claimed, whoever claims it, without scanning every due row at every claim."""
    if not claimed:
        return claimed
    blocked: dict[str, str] = {}
    for chunk in _chunks(sorted({d.subscriber_id for d in claimed}), 500):
        found = await conn.execute(
            select(subscriber_flags.c.subscriber_id, subscriber_flags.c.reason).where(
                subscriber_flags.c.subscriber_id.in_(list(chunk)),
                or_(subscriber_flags.c.opted_out, subscriber_flags.c.disabled),
            )
        )
        blocked.update({r.subscriber_id: r.reason or "" for r in found})
    if not blocked:
        return claimed
    stopped = [d for d in claimed if d.subscriber_id in blocked]
    await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == bindparam("b_id"))
        .values(
            status=SUPPRESSED,
            claimed_by=None,
            claimed_at=None,
            lease_until=None,
            last_error=bindparam("b_reason"),
            updated=now,
        ),
        [{"b_id": d.id, "b_reason": blocked[d.subscriber_id]} for d in stopped],
    )
    log.info("outbox: %d deliveries suppressed (opted out or endpoint disabled)", len(stopped))
    return [d for d in claimed if d.subscriber_id not in blocked]


def _status_after(result: DeliveryResult, retry_at: datetime | None) -> str:
    if result.status is DeliveryStatus.OK:
        return SENT
    if result.status in (DeliveryStatus.RETRYABLE, DeliveryStatus.DEFERRED) and retry_at:
        return PENDING
    return DEAD


async def _stop_endpoint(
    conn: AsyncConnection, delivery: Delivery, reason: str, worker: str, now: datetime
) -> None:
    """An endpoint said 410 Gone: none of its other rows will be sent (pending ones and those
    this worker holds but has not started; an attempt in flight elsewhere records its own)."""
    mine_or_pending = or_(
        deliveries.c.status == PENDING,
        and_(deliveries.c.status == CLAIMED, deliveries.c.claimed_by == worker),
    )
    await conn.execute(
        update(deliveries)
        .where(
            deliveries.c.subscriber_id == delivery.subscriber_id,
            deliveries.c.channel == delivery.channel,
            deliveries.c.id != delivery.id,
            mine_or_pending,
        )
        .values(
            status=DEAD,
            claimed_by=None,
            claimed_at=None,
            lease_until=None,
            last_error=f"not sent: endpoint disabled ({reason})"[:2000],
            updated=now,
        )
    )


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _level_values(state: LevelState) -> dict[str, Any]:
    return {
        "scheme": state.scheme,
        "area_id": state.area.id,
        "area_name": state.area.name,
        "level": state.level,
        "severity": state.severity.value,
        "since": state.since,
        "expires": state.expires,
        "updated": state.updated,
        "origin": state.origin,
        "evidence": state.evidence[:4000],
    }


def _event_values(ev: Event) -> dict[str, Any]:
    t = ev.transition
    return {
        "id": ev.id,
        "kind": t.kind.value,
        "scheme": t.scheme,
        "area_id": t.area.id,
        "area_name": t.area.name,
        "level": t.level,
        "severity": t.severity.value if t.severity else None,
        "previous_level": t.previous_level,
        "previous_severity": t.previous_severity.value if t.previous_severity else None,
        "expires": t.expires,
        "at": t.at,
        "created": ev.created,
        "evidence": t.evidence[:4000],
        "source_id": t.source_id,
        "document_id": t.document_id,
        "sources": json.dumps([s.to_json() for s in t.sources], ensure_ascii=False),
    }


def _event_row(row: Any) -> dict[str, Any]:
    out = _jsonable(row._asdict())
    try:
        out["sources"] = json.loads(out.get("sources") or "[]")
    except ValueError:
        out["sources"] = []
    return out


def _stored_report(r: Any) -> StoredReport:
    announcement = announcement_from_record(json.loads(r.announcement))
    return StoredReport(
        id=r.id,
        key=(r.scheme, r.area_id, r.level, r.action),
        source=SourceRef(
            source_id=r.source_id,
            trust=Trust(r.trust),
            site=r.site,
            document_id=r.document_id,
            url=r.url,
            published=announcement.published,
            evidence=announcement.evidence,
        ),
        announcement=announcement,
        reported_at=r.reported_at,
        created=r.created,
        status=ReportStatus(r.status),
        needs=r.needs,
        decided=r.decided,
        decided_by=r.decided_by,
    )


def _source_row(row: Any) -> SourceRow:
    try:
        state = json.loads(row.state or "{}")
    except ValueError:
        state = {}
    return SourceRow(row.source_id, state, bool(row.baseline_done), row.updated)


def _review_item(r: Any) -> ReviewItem:
    return ReviewItem(
        id=r.id,
        source_id=r.source_id,
        document_id=r.document_id,
        announcement=json.loads(r.announcement),
        confidence=r.confidence,
        status=r.status,
        created=r.created,
    )


# What a claim reads back: the fields of `Delivery` in their order (a row is unpacked into
# one, not read column by column), not the claim's own bookkeeping (each date read back is
# parsed and made aware, per row claimed).
_DELIVERY_COLUMNS = tuple(deliveries.c[f.name] for f in dataclasses.fields(Delivery))


def _claimed(r: Sequence[Any]) -> Delivery:
    """A row of `_DELIVERY_COLUMNS` as a Delivery, unpacked, not read column by column."""
    values: list[Any] = list(r)
    values[-1] = tuple(values[-1].split()) if values[-1] else ()
    return Delivery(*values)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _unclaim(ids: Sequence[str], worker: str, now: datetime) -> Any:
    """UPDATE that puts this worker's claimed rows among `ids` back to pending."""
    return (
        update(deliveries)
        .where(
            deliveries.c.id.in_(ids),
            deliveries.c.claimed_by == worker,
            deliveries.c.status == CLAIMED,
        )
        .values(status=PENDING, claimed_by=None, claimed_at=None, lease_until=None, updated=now)
    )
