"""The outbox worker: a steady pipeline of attempts, claimed in batches under a lease.

Retry policy lives here and only here; channels make one attempt and classify the result.
Every row is in the database before its first attempt, so a crash loses nothing. A worker takes
rows in batches with one statement, under a lease (`lease_s`) that its heartbeat extends while
it holds them: a live worker never loses its own rows to a re-claim, and a dead one's rows are
taken by another replica once the lease runs out (seconds, not minutes).

The pipeline: at most `concurrency` attempts in flight; a finished attempt frees its slot at
once and the worker claims again without sleeping while work is due. Rows of one endpoint wait
in that endpoint's own queue for one of its `per_endpoint` slots, holding no global slot, and an
endpoint with no free slot is left out of the next claim. A circuit breaker per webhook endpoint
stops a dead one from taking its rows through every retry. Results are recorded in batches.

Fairness between channels: a rate-limited sender (SMS) waits for its limit inside `send`, so
each of its attempts holds a slot while it waits. It gets only the slots its limit fills in a
short window (`_RATE_WINDOW_S`, never more than half of `concurrency`) and only a bounded number
of claimed rows; queued rows are started taking turns between channel kinds and endpoints, and
a claim takes the limited channel's share first and gives the rest to the others. An SMS
backlog therefore never holds the slots or the claims that webhooks need, and a webhook backlog
never keeps SMS below their rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import random
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from notifier import metrics
from notifier.channels.base import Channel
from notifier.clock import Clock, system_clock
from notifier.logging import bound
from notifier.model import ChannelKind, DeliveryResult, DeliveryStatus
from notifier.store import AttemptRecord, Delivery, Store
from notifier.store.queue import DispatchQueue

log = logging.getLogger(__name__)
_K = TypeVar("_K")

# How many claimed rows may wait in endpoint queues, per global slot: enough to keep every slot
# busy when a few endpoints are saturated, few enough that the heartbeat stays one small UPDATE.
_QUEUED_PER_SLOT = 16
# A claim starts once fewer rows than this (per slot) wait. A claim takes tens of milliseconds
# while the loop is busy with attempts (each of its statements waits for a turn of the loop),
# and the rows still queued must keep every slot busy until it returns: at 64 slots, 128 rows
# ran out during a claim and the pipeline stood idle until it came back.
_REFILL_PER_SLOT = 8
# Rows one endpoint may hold claimed (in flight and queued), per endpoint slot: a claim that
# takes more of one endpoint's backlog gives the rest back at once, so one endpoint's backlog
# never fills the queue (and, the queue full, stops the claims other endpoints' rows wait for).
_HELD_PER_ENDPOINT_SLOT = 4
# A claim leaves out at most this many saturated endpoints (the list goes into the statement).
_MAX_EXCLUDED = 500
# A rate-limited channel holds at most the slots its limit fills in this window (an attempt
# waits for its turn inside `send`, holding its slot), and starts or claims nothing while its
# sender is booked further ahead than this (e.g. by other replicas sharing the limit).
_RATE_WINDOW_S = 0.5
_DRAIN_STALL_S = 2.0  # drain waits this long for rows due now that nothing can claim yet
# Rows a rate-limited channel may hold claimed (in flight and queued), per slot it may use:
# enough to refill its slots between claims, few enough never to block other channels' claims.
_RATE_HELD_PER_SLOT = 2


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again: the schedule's delay for this attempt (or Retry-After, if longer)."""

    schedule_s: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600, 7200)
    max_attempts: int = 8
    jitter_ratio: float = 0.2
    rng: Callable[[], float] = field(default=random.random, compare=False)
    # Retry-After comes from the far end: a huge one must neither overflow nor park a row for years.
    max_retry_after_s: float = 86400.0

    def next_attempt(
        self, attempts_done: int, result: DeliveryResult, now: datetime
    ) -> datetime | None:
        """None means give up (dead letter). A deferral (no attempt made) always comes back."""
        if result.status is DeliveryStatus.DEFERRED:
            wait = min(max(result.retry_after_s or 0.0, 0.0), self.max_retry_after_s)
            return now + timedelta(seconds=wait)
        if result.status is not DeliveryStatus.RETRYABLE or attempts_done >= self.max_attempts:
            return None
        base = self.schedule_s[min(attempts_done - 1, len(self.schedule_s) - 1)]
        jitter = 1 + self.jitter_ratio * (2 * self.rng() - 1)
        delay = base * jitter
        if result.retry_after_s is not None:
            delay = max(delay, min(result.retry_after_s, self.max_retry_after_s))
        return now + timedelta(seconds=delay)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class Circuit:
    """One endpoint's breaker: opens after `failures` consecutive failed attempts, lets one
    probe through after the cool-down, closes on its success and reopens on its failure."""

    endpoint: str
    state: CircuitState = CircuitState.CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    open_until: datetime | None = None
    probing: bool = False
    last_error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "state": self.state.value,
            "consecutive_failures": self.consecutive_failures,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "open_until": self.open_until.isoformat() if self.open_until else None,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class BreakerPolicy:
    failures: int = 5
    cooldown_s: float = 30.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


ResultHook = Callable[[Delivery, DeliveryResult, str], None]
EndpointKey = tuple[str, str]  # (channel, subscriber id): one webhook endpoint, one SMS contact


def endpoint_key(row: Delivery) -> EndpointKey:
    return (row.channel, row.subscriber_id)


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        policy: RetryPolicy,
        *,
        concurrency: int = 16,
        per_endpoint: int = 4,
        lease_s: float = 15.0,
        heartbeat_s: float | None = None,
        idle_poll_s: float = 1.0,
        breaker: BreakerPolicy | None = None,
        clock: Clock = system_clock,
        on_result: ResultHook | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.policy = policy
        self.clock = clock
        self.on_result = on_result
        self.name = worker_name()
        self.breaker = breaker or BreakerPolicy()
        self.reconfigure(
            concurrency=concurrency,
            per_endpoint=per_endpoint,
            lease_s=lease_s,
            heartbeat_s=heartbeat_s,
            idle_poll_s=idle_poll_s,
        )
        self._queues: dict[EndpointKey, deque[Delivery]] = {}
        self._queued = 0  # rows in `_queues`, kept as they come and go
        # Endpoints with queued rows, in the order they take turns, per channel kind. One with
        # no free slot leaves its kind's turns until one of its attempts finishes, so starting a
        # row never walks every queued endpoint.
        self._ready: dict[str, deque[EndpointKey]] = {}
        self._in_turn: set[EndpointKey] = set()
        self._busy: dict[EndpointKey, int] = {}  # attempts in flight per endpoint
        self._kind_busy: dict[str, int] = {}  # attempts in flight per channel kind
        self._turn = 0  # which channel kind starts first at the next start round
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._circuits: dict[EndpointKey, Circuit] = {}
        self._results: list[AttemptRecord] = []
        self._recorder: asyncio.Task[None] | None = None
        self._background: set[asyncio.Future[None]] = set()
        self._wake = asyncio.Event()
        self._pump_lock = asyncio.Lock()
        self._closing = False
        self._more_due = True  # the last claim was full: there may be more right now
        self._left_out: list[str] = []  # channels the last claim left out (rate limit booked)

    def reconfigure(
        self,
        *,
        concurrency: int,
        per_endpoint: int,
        lease_s: float,
        heartbeat_s: float | None = None,
        idle_poll_s: float | None = None,
    ) -> None:
        """New limits, effective at the next claim; attempts in flight keep their slots."""
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else lease_s / 3
        if idle_poll_s is not None:
            self.idle_poll_s = idle_poll_s

    # --- what others may look at -----------------------------------------------------------

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    @property
    def queued(self) -> int:
        return self._queued

    def circuits(self) -> list[dict[str, object]]:
        """Every endpoint breaker that has seen a failure, for the API."""
        return [
            c.as_dict()
            for _key, c in sorted(self._circuits.items())
            if c.state is not CircuitState.CLOSED or c.consecutive_failures
        ]

    def wake(self) -> None:
        """New rows (or a freed slot): claim again now instead of at the next due time."""
        self._more_due = True
        self._wake.set()

    # --- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Claim and deliver until cancelled: the service's outbox task."""
        heartbeat = asyncio.create_task(self._heartbeat(), name="outbox heartbeat")
        listener = asyncio.create_task(self.store.listen_outbox(self.wake), name="outbox listen")
        try:
            while not self._closing:
                # Cleared before looking, so a wake-up that comes while we look is not lost.
                self._wake.clear()
                try:
                    await self.pump()
                    delay = await self._idle_delay()
                except Exception:
                    log.exception("outbox: claiming failed; trying again")
                    delay = self.idle_poll_s
                if delay is None:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            for task in (heartbeat, listener):
                task.cancel()
            await asyncio.gather(heartbeat, listener, return_exceptions=True)

    async def _idle_delay(self) -> float | None:
        """None: claim again now. Otherwise how long to wait unless woken earlier."""
        throttled = self._throttled()
        # A rate-limited sender's rows wait in the database (or our queues) until it may send.
        throttle_s = min(throttled.values(), default=self.idle_poll_s)
        if self._claim_room() <= 0:
            # No claim would take rows (slots busy, or the queue full of rows that wait for
            # their endpoints' slots): a finished attempt that makes room wakes us sooner.
            # Claiming "again now" here spun the loop without yielding to those attempts.
            return min(throttle_s, self.idle_poll_s)
        if self._more_due:
            return None
        if throttled:
            return min(throttle_s, self.idle_poll_s)
        due = await self.store.next_due(self.name)
        if due is None:
            return self.idle_poll_s
        wait_s = (due - self.clock()).total_seconds()
        # Due now but not claimed: its endpoint has no free slot; a finished attempt wakes us.
        return self.idle_poll_s if wait_s <= 0 else min(wait_s, self.idle_poll_s)

    async def sweep(self) -> int:
        """One round: start what waits for a slot, claim what fits; returns rows claimed."""
        return await self.pump()

    async def pump(self) -> int:
        if self._closing:
            return 0
        async with self._pump_lock:
            self._start_queued()
            limit = self._claim_room()
            if limit <= 0:
                return 0
            now = self.clock()
            self._left_out = sorted(self._throttled())
            rows = await self.store.claim(
                limit=limit,
                worker=self.name,
                now=now,
                lease_s=self.lease_s,
                exclude_subscribers=self._saturated(),
                exclude_channels=self._left_out,
                channel_limits=self._claim_limits(),
            )
            self._more_due = len(rows) >= limit
            rows = await self._drop_superseded(rows, now)
            blocked: dict[EndpointKey, list[Delivery]] = {}
            excess: list[Delivery] = []
            cap = _HELD_PER_ENDPOINT_SLOT * self.per_endpoint
            for row in rows:
                key = endpoint_key(row)
                circuit = self._circuits.get(key)
                if circuit is not None and self._refuses(circuit, now):
                    blocked.setdefault(key, []).append(row)
                elif self._busy.get(key, 0) + len(self._queues.get(key, ())) >= cap:
                    excess.append(row)
                else:
                    self._queue(key, row)
            for key, held in blocked.items():
                await self._defer_open(self._circuits[key], held)
            if excess:
                # Not attempted: due again at once, for the next claim of a worker with room.
                await self.store.release([r.id for r in excess], self.name, now)
            self._start_queued()
            return len(rows)

    def _claim_room(self) -> int:
        """How many rows a claim would take now. A batch is claimed ahead while the queue runs
        low, not a row per freed slot: one claim per `concurrency` attempts or so instead of
        one per attempt, and the queue never runs dry while a claim is on its way."""
        free = self.concurrency - len(self._inflight)
        if free <= 0 and self._queued >= _REFILL_PER_SLOT * self.concurrency:
            return 0
        if self._queued >= self.concurrency * _QUEUED_PER_SLOT:
            return 0
        return _QUEUED_PER_SLOT * self.concurrency - len(self._inflight) - self._queued

    async def _drop_superseded(self, rows: list[Delivery], now: datetime) -> list[Delivery]:
        """Rows whose every change a later change of the same (scheme, area) superseded (a
        held "red" SMS after the lift) are recorded `superseded` and never sent; a row with
        some changes still current is sent as it is."""
        changes = {
            r.id: r.event_ids or (r.event_id,) for r in rows if r.event_id.startswith("evt_")
        }
        queue = DispatchQueue(self.store.engine)
        stale = await queue.superseded(changes)
        if not stale:
            return rows
        await queue.mark_superseded(stale, self.name, now)
        for row in rows:
            if row.id in stale:
                metrics.DELIVERIES.labels(row.channel, "superseded").inc()
                log.info(
                    "delivery %s to %s not sent: superseded by %s",
                    row.id,
                    row.subscriber_id,
                    stale[row.id],
                )
        return [r for r in rows if r.id not in stale]

    def _saturated(self) -> list[str]:
        """Endpoints with no free slot: their rows stay in the database for now."""
        full = {
            key[1]
            for key, busy in self._busy.items()
            if busy + len(self._queues.get(key, ())) >= self.per_endpoint
        }
        return sorted(full)[:_MAX_EXCLUDED]

    def _throttled(self) -> dict[str, float]:
        """Channels that must wait for their rate limit, with how long."""
        out = {}
        for kind, channel in self.channels.items():
            throttle = getattr(channel, "throttle_s", None)
            if throttle is not None and (wait := throttle()) > _RATE_WINDOW_S:
                out[str(kind)] = wait - _RATE_WINDOW_S
        return out

    def rate_slots(self) -> dict[str, int]:
        """Slots each rate-limited channel may hold: what its limit sends in `_RATE_WINDOW_S`
        (at least one), never more than half of `concurrency` (unless that is below one)."""
        out = {}
        for kind, channel in self.channels.items():
            rate = getattr(channel, "rate_per_s", None)
            if rate:
                window = math.ceil(rate * _RATE_WINDOW_S)
                out[str(kind)] = max(1, min(window, self.concurrency // 2))
        return out

    def held(self) -> dict[str, int]:
        """Claimed rows per channel kind that are in flight or wait in an endpoint queue."""
        held = dict(self._kind_busy)
        for key, queue in self._queues.items():
            held[key[0]] = held.get(key[0], 0) + len(queue)
        return held

    def _claim_limits(self) -> dict[str, int]:
        """How many more rows each rate-limited channel may claim: its claimed rows (in flight
        and queued) stay within `_RATE_HELD_PER_SLOT` per slot it may hold."""
        held = self.held()
        return {
            kind: max(0, _RATE_HELD_PER_SLOT * slots - held.get(kind, 0))
            for kind, slots in self.rate_slots().items()
        }

    def _start_queued(self) -> None:
        """Start waiting rows wherever a global, an endpoint and (for a rate-limited channel)
        a channel slot are free. Channel kinds take turns, one row at a time, and so do the
        endpoints of a kind; the kind that goes first rotates from one round to the next, so a
        freed slot does not always go to the same kind."""
        if not self._ready:
            return
        kinds = sorted(self._ready)
        first = self._turn % len(kinds)
        self._turn += 1
        throttled = self._throttled()
        slots = self.rate_slots()
        started: dict[str, int] = {}
        waiting = deque(k for k in kinds[first:] + kinds[:first] if k not in throttled)
        while waiting and len(self._inflight) < self.concurrency:
            kind = waiting.popleft()
            if self._kind_busy.get(kind, 0) >= slots.get(kind, self.concurrency):
                continue  # a rate-limited channel holds all the slots it may
            throttle = getattr(self.channels.get(kind), "throttle_s", None)
            if throttle is not None and throttle(started.get(kind, 0)) > _RATE_WINDOW_S:
                continue  # the rate limit is booked up for now
            keys = self._ready[kind]
            while keys:
                key = keys.popleft()
                self._in_turn.discard(key)
                if key not in self._queues:
                    continue  # its rows were dropped (410, circuit opened)
                if self._start_one(key):
                    started[kind] = started.get(kind, 0) + 1
                    self._take_turn(key)  # its next row waits for the endpoint's next turn
                    break
                # No free slot: out of turn until one of its attempts finishes.
            if keys:
                waiting.append(kind)
            else:
                del self._ready[kind]

    def _queue(self, key: EndpointKey, row: Delivery) -> None:
        self._queues.setdefault(key, deque()).append(row)
        self._queued += 1
        self._take_turn(key)

    def _take_turn(self, key: EndpointKey) -> None:
        """The endpoint joins its kind's turns, if it has queued rows and is not in them."""
        if key in self._queues and key not in self._in_turn:
            self._ready.setdefault(key[0], deque()).append(key)
            self._in_turn.add(key)

    def _unqueue(self, key: EndpointKey) -> deque[Delivery] | None:
        """Take every queued row of the endpoint out of the queue (they are not started)."""
        queue = self._queues.pop(key, None)
        if queue:
            self._queued -= len(queue)
        return queue

    def _start_one(self, key: EndpointKey) -> bool:
        """Start the endpoint's next row if it has a free slot (and, half-open, no probe out)."""
        queue = self._queues[key]
        if self._busy.get(key, 0) >= self.per_endpoint:
            return False
        circuit = self._circuits.get(key)
        if circuit is not None and circuit.state is CircuitState.HALF_OPEN:
            if circuit.probing:
                return False  # one probe at a time; the rest wait for its verdict
            circuit.probing = True
        row = queue.popleft()
        self._queued -= 1
        if not queue:
            del self._queues[key]
        self._busy[key] = self._busy.get(key, 0) + 1
        self._kind_busy[key[0]] = self._kind_busy.get(key[0], 0) + 1
        task = asyncio.create_task(self._deliver(row), name=f"deliver {row.id}")
        self._inflight[row.id] = task
        task.add_done_callback(functools.partial(self._finished, row.id, key))
        return True

    def _finished(self, row_id: str, key: EndpointKey, _task: object) -> None:
        self._inflight.pop(row_id, None)
        _decrement(self._busy, key)
        _decrement(self._kind_busy, key[0])
        self._take_turn(key)  # a slot of its own is free again
        if not self._closing:
            # Refill the slot from the queue now, even while a claim is on its way.
            self._start_queued()
        # Rows of an endpoint that had no free slot may be claimed now. The loop is woken only
        # when a claim would take rows (see `pump`), not once per finished attempt.
        self._more_due = True
        if self._claim_room() > 0:
            self._wake.set()

    # --- one attempt -----------------------------------------------------------------------

    @bound(lambda self, row: {"delivery": row.id, "event": row.event_id})
    async def _deliver(self, row: Delivery) -> None:
        channel = self.channels.get(row.channel)
        if channel is None:
            result = DeliveryResult.permanent(f"no channel {row.channel!r} configured")
        else:
            t0 = time.perf_counter()
            try:
                result = await channel.send(row.notice())
            except asyncio.CancelledError:
                # An attempt cut off mid-flight stays claimed; once its lease runs out it is
                # retried (at-least-once: the webhook-id lets the consumer drop a duplicate).
                raise
            except Exception as exc:  # a channel bug must not kill the worker
                log.exception("channel %s raised on delivery %s", row.channel, row.id)
                result = DeliveryResult.retryable(f"{type(exc).__name__}: {exc}")
            _timer(row.channel).observe(time.perf_counter() - t0)
        now = self.clock()
        if result.disable_endpoint:
            # 410 Gone: its rows waiting here are never started; recording this result stops
            # them, and every pending row of the endpoint, in the database.
            self._unqueue(endpoint_key(row))
        self._judge(row, result, now)
        retry_at = self.policy.next_attempt(row.attempts + 1, result, now)
        self._results.append(AttemptRecord(row, result, retry_at))
        self._ensure_recorder()

    # --- circuit breakers ------------------------------------------------------------------

    def _judge(self, row: Delivery, result: DeliveryResult, now: datetime) -> None:
        """Feed the endpoint's breaker (webhooks only: an SMS failure is the sender's, not the
        number's)."""
        if row.channel != ChannelKind.WEBHOOK.value or result.status is DeliveryStatus.DEFERRED:
            return
        key = endpoint_key(row)
        circuit = self._circuits.get(key)
        if result.status is DeliveryStatus.OK:
            if circuit is not None:
                if circuit.state is not CircuitState.CLOSED:
                    log.info("endpoint %s answers again: circuit closed", row.subscriber_id)
                del self._circuits[key]
                metrics.CIRCUIT_OPEN.labels(row.subscriber_id).set(0)
            return
        if result.disable_endpoint:
            return  # 410: the endpoint is disabled for good, not tripped
        if circuit is None:
            circuit = self._circuits[key] = Circuit(row.subscriber_id)
        circuit.consecutive_failures += 1
        circuit.last_error = result.reason[:300]
        if circuit.state is CircuitState.HALF_OPEN or (
            circuit.state is CircuitState.CLOSED
            and circuit.consecutive_failures >= self.breaker.failures
        ):
            circuit.state = CircuitState.OPEN
            circuit.opened_at = now
            circuit.open_until = now + timedelta(seconds=self.breaker.cooldown_s)
            circuit.probing = False
            metrics.CIRCUIT_OPEN.labels(row.subscriber_id).set(1)
            log.warning(
                "endpoint %s failed %d times in a row (%s): circuit open until %s",
                row.subscriber_id,
                circuit.consecutive_failures,
                circuit.last_error,
                circuit.open_until.isoformat(),
            )
            queue = self._unqueue(key)
            if queue:
                task = asyncio.ensure_future(self._defer_open(circuit, list(queue)))
                self._background.add(task)  # held, or the loop may drop it half-way
                task.add_done_callback(self._background.discard)
                task.add_done_callback(_log_failure)

    def _refuses(self, circuit: Circuit, now: datetime) -> bool:
        """An open circuit refuses rows until its cool-down ends, then lets a probe through."""
        if circuit.state is not CircuitState.OPEN:
            return False
        if circuit.open_until is not None and now < circuit.open_until:
            return True
        circuit.state = CircuitState.HALF_OPEN
        circuit.probing = False
        return False

    async def _defer_open(self, circuit: Circuit, rows: list[Delivery]) -> None:
        """Rows of an open circuit go back to the database for after the cool-down; this is
        not an attempt."""
        until = circuit.open_until or self.clock()
        await self.store.defer(
            [r.id for r in rows],
            self.name,
            until=until,
            reason=f"not attempted: circuit open ({circuit.last_error})",
            now=self.clock(),
        )

    # --- recording, in batches -------------------------------------------------------------

    def _ensure_recorder(self) -> None:
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_loop(), name="outbox recorder")

    async def _record_loop(self) -> None:
        """Group commit: one writer writes every result that exists, and then at once those
        that finished while it wrote, until none is left. No timer: a result waits for at most
        one write, and under load each write carries many. A result waiting to be written is an
        attempt sent again after a crash, so this wait is the duplicate bound's second term."""
        while self._results:
            batch, self._results = self._results, []
            # Shielded: an attempt that was made must be recorded, even during shutdown.
            await asyncio.shield(self._record(batch))

    async def _record(self, batch: list[AttemptRecord]) -> None:
        now = self.clock()
        for attempt in range(3):
            try:
                statuses = await self.store.record_attempts(batch, worker=self.name, now=now)
                break
            except Exception:
                # The rows stay claimed under our lease; a database hiccup must not drop results.
                log.exception("outbox: recording %d results failed (try %d)", len(batch), attempt)
                await asyncio.sleep(0.5 * (attempt + 1))
        else:
            log.error("outbox: %d results not recorded; those rows will be sent again", len(batch))
            return
        for rec, status in zip(batch, statuses, strict=True):
            self._report(rec, status)

    def _report(self, rec: AttemptRecord, status: str) -> None:
        row, result = rec.delivery, rec.result
        if result.status is DeliveryStatus.DEFERRED:
            _counter(row.channel, "deferred").inc()
            log.debug("delivery %s deferred: %s", row.id, result.reason)
            return
        _counter(row.channel, status).inc()
        if status == "sent":
            # One line per delivery is debug: a fan-out is 10,000 of them (the console says
            # how many were delivered, see `ChannelSet.delivered`).
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "delivered %s to %s via %s%s",
                    row.event_id,
                    row.subscriber_id,
                    row.channel,
                    f" ({result.reason})" if result.reason else "",
                )
        elif status == "pending":
            log.warning(
                "delivery %s to %s failed (%s); retry %d at %s",
                row.id,
                row.subscriber_id,
                result.reason,
                row.attempts + 1,
                rec.retry_at.isoformat() if rec.retry_at else "-",
            )
        else:
            log.error(
                "delivery %s to %s dead after %d attempts: %s",
                row.id,
                row.subscriber_id,
                row.attempts + 1,
                result.reason,
            )
        if self.on_result is not None:
            self.on_result(row, result, status)

    async def flush(self) -> None:
        """Wait until every result so far is written."""
        while self._recorder is not None and not self._recorder.done():
            await asyncio.shield(self._recorder)

    # --- leases ----------------------------------------------------------------------------

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.store.extend_leases(self.name, now=self.clock(), lease_s=self.lease_s)
            except Exception:
                log.exception("outbox: extending leases failed; trying again")

    # --- tests, send-test and shutdown -----------------------------------------------------

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Claim and deliver until nothing is due now and nothing is in flight or queued."""
        deadline = time.monotonic() + timeout_s
        stalled = 0.0  # since when rows are due but none could be claimed
        while time.monotonic() < deadline:
            started = await self.pump()
            if started or self._inflight:
                stalled = 0.0
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()), timeout=0.5)
            elif not started and not self._queues:
                throttled = self._throttled()
                if not throttled and not self._left_out:
                    # A row deferred a moment (its shared rate-limit slot is booked ahead, so
                    # this process knew no wait) is due soon: wait for it within the deadline.
                    due = await self.store.next_due(self.name)
                    wait_s = (due - self.clock()).total_seconds() if due is not None else None
                    # Due now but not claimed: a rate limit's last fraction of a slot, or an
                    # endpoint whose breaker is open; give it `_DRAIN_STALL_S`, not the deadline.
                    if wait_s is not None and wait_s <= 0:
                        stalled = stalled or time.monotonic()
                        wait_s = 0.05 if time.monotonic() - stalled < _DRAIN_STALL_S else None
                    if wait_s is None or time.monotonic() + wait_s > deadline:
                        break
                    await asyncio.sleep(wait_s + 0.01)
                    continue
                # A rate limit booked ahead claims nothing now; its rows are due once it frees.
                # (Also when it was booked at the claim just made and is free by now: that
                # claim left its rows in the database, and "nothing due" would be wrong.)
                await asyncio.sleep(min(min(throttled.values(), default=0.0), 0.5) + 0.01)
        await self.flush()

    async def aclose(self, grace_s: float = 10.0) -> None:
        """Stop claiming; let attempts in flight finish for `grace_s`, then cancel them; give
        back what was claimed but not started; write every result."""
        self._closing = True
        async with self._pump_lock:
            waiting = [row for queue in self._queues.values() for row in queue]
            self._queues.clear()
            self._queued = 0
            self._ready.clear()
            self._in_turn.clear()
        if waiting:
            with contextlib.suppress(Exception):
                await self.store.release([r.id for r in waiting], self.name, self.clock())
        if self._inflight:
            _done, pending = await asyncio.wait(list(self._inflight.values()), timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        # An attempt that was made must be recorded before the store closes, or the next run
        # would send it again.
        await self.flush()


# The metrics' children per label values, looked up once (`labels` costs a lock and a tuple
# per call, twice per delivery).
@functools.cache
def _counter(channel: str, status: str) -> Any:
    return metrics.DELIVERIES.labels(channel, status)


@functools.cache
def _timer(channel: str) -> Any:
    return metrics.DELIVERY_SECONDS.labels(channel)


def _decrement(counts: dict[_K, int], key: _K) -> None:
    """One fewer in flight; a count that reaches zero is dropped (the dicts stay small)."""
    left = counts.get(key, 0) - 1
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)


def _log_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox: deferring rows failed: %s", task.exception())
