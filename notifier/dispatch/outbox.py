"""The outbox worker: claim due rows, make one attempt each through their channel, record it.

Retry policy lives here and only here; channels make one attempt and classify the result.
Every row is in the database before its first attempt, so a crash loses nothing: claimed rows of
a dead process are taken again (at start-up on SQLite, after `claim_timeout_s` on PostgreSQL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from notifier import metrics
from notifier.channels.base import Channel
from notifier.clock import Clock, system_clock
from notifier.logging import bound
from notifier.model import ChannelKind, DeliveryResult, DeliveryStatus
from notifier.store import Delivery, Store

log = logging.getLogger(__name__)


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
        """None means give up (dead letter)."""
        if result.status is not DeliveryStatus.RETRYABLE or attempts_done >= self.max_attempts:
            return None
        base = self.schedule_s[min(attempts_done - 1, len(self.schedule_s) - 1)]
        jitter = 1 + self.jitter_ratio * (2 * self.rng() - 1)
        delay = base * jitter
        if result.retry_after_s is not None:
            delay = max(delay, min(result.retry_after_s, self.max_retry_after_s))
        return now + timedelta(seconds=delay)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


ResultHook = Callable[[Delivery, DeliveryResult, str], None]


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        channels: Mapping[ChannelKind, Channel],
        policy: RetryPolicy,
        *,
        concurrency: int = 16,
        per_endpoint: int = 4,
        claim_timeout_s: float = 120.0,
        clock: Clock = system_clock,
        on_result: ResultHook | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.policy = policy
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.claim_timeout_s = claim_timeout_s
        self.clock = clock
        self.on_result = on_result
        self.name = worker_name()
        self._endpoint_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.per_endpoint)
        )
        self._inflight: dict[str, asyncio.Task[None]] = {}
        # Records of attempts already made; shielded, so they outlive a cancelled delivery task.
        self._recording: set[asyncio.Future[None]] = set()
        self._closing = False
        self._sweep_lock = asyncio.Lock()

    def reconfigure(self, *, concurrency: int, per_endpoint: int, claim_timeout_s: float) -> None:
        """New limits for the next sweep; attempts in flight keep the slots they hold."""
        self.concurrency = concurrency
        self.claim_timeout_s = claim_timeout_s
        if per_endpoint != self.per_endpoint:
            self.per_endpoint = per_endpoint
            self._endpoint_slots = defaultdict(lambda: asyncio.Semaphore(self.per_endpoint))

    @property
    def inflight(self) -> int:
        return len(self._inflight)

    async def sweep(self) -> int:
        """Claim as many due rows as there are free slots and start them; returns how many."""
        if self._closing:
            return 0
        async with self._sweep_lock:
            free = self.concurrency - len(self._inflight)
            if free <= 0:
                return 0
            rows = await self.store.claim(
                limit=free, worker=self.name, now=self.clock(), claim_timeout_s=self.claim_timeout_s
            )
            for row in rows:
                task = asyncio.create_task(self._deliver(row), name=f"deliver {row.id}")
                self._inflight[row.id] = task
                task.add_done_callback(self._forget)
            return len(rows)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for rid, t in list(self._inflight.items()):
            if t is task:
                del self._inflight[rid]

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Sweep until nothing is due now and nothing is in flight (tests, `send-test`)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            started = await self.sweep()
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()), timeout=0.5)
            elif not started:
                return

    async def aclose(self, grace_s: float = 10.0) -> None:
        """Stop claiming; let attempts in flight finish for `grace_s`, then cancel and release."""
        self._closing = True
        if self._inflight:
            _done, pending = await asyncio.wait(list(self._inflight.values()), timeout=grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
        if self._recording:
            # An attempt that was made must be recorded before the store closes, or the next
            # run would send it again.
            await asyncio.gather(*self._recording, return_exceptions=True)

    @bound(lambda self, row: {"delivery": row.id, "event": row.event_id})
    async def _deliver(self, row: Delivery) -> None:
        channel = self.channels.get(ChannelKind(row.channel))
        started = False
        try:
            async with self._endpoint_slots[row.address]:
                if channel is None:
                    result = DeliveryResult.permanent(f"no channel {row.channel!r} configured")
                else:
                    started = True
                    t0 = time.perf_counter()
                    try:
                        result = await channel.send(row.notice())
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:  # a channel bug must not kill the worker
                        log.exception("channel %s raised on delivery %s", row.channel, row.id)
                        result = DeliveryResult.retryable(f"{type(exc).__name__}: {exc}")
                    metrics.DELIVERY_SECONDS.labels(row.channel).observe(time.perf_counter() - t0)
            recording = asyncio.ensure_future(self._record(row, result))
            self._recording.add(recording)
            recording.add_done_callback(self._recording.discard)
            await asyncio.shield(recording)
        except asyncio.CancelledError:
            if not started:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.store.release([row.id], self.name, self.clock()))
            # An attempt cut off mid-flight stays claimed; it is retried after restart
            # (at-least-once: the webhook-id lets the consumer drop the duplicate).
            raise

    async def _record(self, row: Delivery, result: DeliveryResult) -> None:
        now = self.clock()
        retry_at = self.policy.next_attempt(row.attempts + 1, result, now)
        status = await self.store.record_attempt(
            row, result, worker=self.name, now=now, retry_at=retry_at
        )
        metrics.DELIVERIES.labels(row.channel, status).inc()
        if status == "sent":
            log.info(
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
                retry_at.isoformat() if retry_at else "-",
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
