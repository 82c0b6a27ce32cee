"""The outbox worker with a scripted fake channel: attempts, retries, dead letters, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from notifier.dispatch.outbox import BreakerPolicy, OutboxWorker, RetryPolicy
from notifier.model import ChannelKind, DeliveryResult, Event, Notice
from notifier.store import Store
from tests.test_store import T0, enqueue, notice, red_event


class FakeChannel:
    """Answers each send with the next scripted result (the last one repeats)."""

    kind = ChannelKind.WEBHOOK

    def __init__(self, *script: DeliveryResult, delay_s: float = 0.0) -> None:
        self.script = list(script)
        self.delay_s = delay_s
        self.sent: list[Notice] = []

    async def send(self, notice: Notice) -> DeliveryResult:
        self.sent.append(notice)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    async def aclose(self) -> None:
        pass


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_retry_policy_follows_the_schedule_and_honours_retry_after() -> None:
    policy = RetryPolicy((5, 30), max_attempts=3, jitter_ratio=0.0)
    fail = DeliveryResult.retryable("HTTP 500")
    assert policy.next_attempt(1, fail, T0) == T0 + timedelta(seconds=5)
    assert policy.next_attempt(2, fail, T0) == T0 + timedelta(seconds=30)
    assert policy.next_attempt(3, fail, T0) is None  # the third attempt was the last
    slow = DeliveryResult.retryable("HTTP 429", retry_after_s=90)
    assert policy.next_attempt(1, slow, T0) == T0 + timedelta(seconds=90)
    assert policy.next_attempt(1, DeliveryResult.permanent("HTTP 400"), T0) is None


def test_retry_policy_jitter_stays_within_its_ratio() -> None:
    low = RetryPolicy((100,), jitter_ratio=0.2, rng=lambda: 0.0)
    high = RetryPolicy((100,), jitter_ratio=0.2, rng=lambda: 0.999999)
    fail = DeliveryResult.retryable("x")
    assert low.next_attempt(1, fail, T0) == T0 + timedelta(seconds=80)
    assert high.next_attempt(1, fail, T0) - T0 < timedelta(seconds=120.001)  # type: ignore[operator]


async def test_worker_retries_until_success_with_the_same_delivery_id(store: Store) -> None:
    await enqueue(store, "hook")
    clock = Clock(T0)
    channel = FakeChannel(
        DeliveryResult.retryable("HTTP 500"),
        DeliveryResult.retryable("HTTP 500"),
        DeliveryResult.ok(),
    )
    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: channel},
        RetryPolicy((5,), max_attempts=5, jitter_ratio=0),
        clock=clock,
    )
    for _ in range(3):
        await worker.drain(5)
        clock.now += timedelta(seconds=5)
    assert len(channel.sent) == 3
    assert len({n.delivery_id for n in channel.sent}) == 1
    assert await store.delivery_counts() == {"sent": 1}
    await worker.drain(5)
    assert len(channel.sent) == 3  # sent rows are never attempted again


async def test_worker_dead_letters_after_max_attempts(store: Store) -> None:
    await enqueue(store, "hook")
    clock = Clock(T0)
    channel = FakeChannel(DeliveryResult.retryable("HTTP 503"))
    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: channel},
        RetryPolicy((1,), max_attempts=2, jitter_ratio=0),
        clock=clock,
    )
    for _ in range(4):
        await worker.drain(5)
        clock.now += timedelta(seconds=1)
    assert len(channel.sent) == 2
    [row] = await store.deliveries(status="dead")
    assert row["attempts"] == 2
    assert row["last_error"] == "HTTP 503"


async def test_a_raising_channel_is_a_retryable_failure(store: Store) -> None:
    await enqueue(store, "hook")

    class Broken(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            raise RuntimeError("boom")

    worker = OutboxWorker(
        store, {ChannelKind.WEBHOOK: Broken()}, RetryPolicy((60,), jitter_ratio=0), clock=Clock(T0)
    )
    await worker.drain(5)
    [row] = await store.deliveries()
    assert (row["status"], row["last_error"]) == ("pending", "RuntimeError: boom")


async def test_concurrency_is_bounded_per_endpoint(store: Store) -> None:
    # Six events for one endpoint (the per-endpoint key is the endpoint, not its URL: many
    # endpoints may share one host).
    events = [red_event(T0 + timedelta(minutes=i)) for i in range(6)]
    for ev in events:
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[notice(ev, "hook")],
            now=T0,
        )
    running = 0
    peak = 0

    class Counting(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1
            return DeliveryResult.ok()

    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: Counting()},
        RetryPolicy(),
        concurrency=10,
        per_endpoint=2,
        clock=lambda: datetime.now(UTC),
    )
    await worker.drain(10)
    assert peak == 2
    assert await store.delivery_counts() == {"sent": 6}


async def test_endpoints_with_queued_rows_take_turns_for_freed_slots(store: Store) -> None:
    # Two endpoints with four rows each, all claimed at once; two slots, two per endpoint. A
    # freed slot goes to the endpoint whose turn it is, not to the one listed first: a busy
    # endpoint does not take every slot that its own finished attempts free.
    events = [red_event(T0 + timedelta(minutes=i)) for i in range(4)]
    for ev in events:
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[notice(ev, "hook-a"), notice(ev, "hook-b")],
            now=T0,
        )
    order: list[str] = []

    class Recording(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            order.append(notice.subscriber_id)
            await asyncio.sleep(0.02)
            return DeliveryResult.ok()

    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: Recording()},
        RetryPolicy(),
        concurrency=2,
        per_endpoint=2,
        clock=lambda: datetime.now(UTC),
    )
    await worker.drain(10)
    assert await store.delivery_counts() == {"sent": 8}
    assert sorted(order) == ["hook-a"] * 4 + ["hook-b"] * 4
    assert all(a != b for a, b in itertools.pairwise(order)), order


async def test_one_endpoints_backlog_does_not_fill_the_claim(store: Store) -> None:
    # 40 rows of a slow endpoint are due before 5 rows of another. A claim that takes more of
    # one endpoint's rows than it may hold (4 per endpoint slot) gives the rest back, so the
    # queue does not fill with rows that wait for that endpoint's one slot while the other
    # endpoint's rows wait in the database for a claim.
    start = now_utc()
    for i in range(40):
        ev = red_event(T0 + timedelta(minutes=i))
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[notice(ev, "slow")],
            now=start - timedelta(seconds=60),
        )
    for i in range(5):
        ev = red_event(T0 + timedelta(hours=1, minutes=i))
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[notice(ev, "fast")],
            now=start - timedelta(seconds=30),
        )
    order: list[str] = []
    fast_done = asyncio.Event()

    class Recording(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            order.append(notice.subscriber_id)
            if notice.subscriber_id == "fast" and order.count("fast") == 5:
                fast_done.set()
            if notice.subscriber_id == "slow":
                # A slow endpoint: its first attempt lasts until the other endpoint's rows
                # are sent (or 5 s, when they wait behind the slow endpoint's queue).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(fast_done.wait(), timeout=5)
            return DeliveryResult.ok()

    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: Recording()},
        RetryPolicy(),
        concurrency=2,
        per_endpoint=1,
        clock=now_utc,
    )
    async with running(worker):
        await wait_for_counts(store, {"sent": 45}, timeout_s=30)
    # The first claim took the 32 earliest rows (all the slow endpoint's), kept 4 and gave the
    # rest back; the next claim took the fast endpoint's rows, sent on the free slot while the
    # slow endpoint's first attempt was still under way.
    assert order[:6] == ["slow"] + ["fast"] * 5, order


async def test_drain_does_not_stop_while_a_claim_left_a_rate_limited_channel_out(
    store: Store,
) -> None:
    # The sender's rate limit was booked up when the claim was made (its rows stayed in the
    # database) and free a moment later: the rows are due, so drain claims again instead of
    # reporting that nothing is left.
    ev = red_event()
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[ev],
        notices=[notice(ev, "phone", ChannelKind.TWILIO_SMS)],
        now=T0,
    )

    class BookedOnce(FakeChannel):
        kind = ChannelKind.TWILIO_SMS
        rate_per_s = 10.0
        looks = 0

        def throttle_s(self, ahead: int = 0) -> float:
            # Booked when the claim looks, free from then on.
            self.looks += 1
            return 1.0 if self.looks == 1 else 0.0

    channel = BookedOnce(DeliveryResult.ok())
    worker = OutboxWorker(store, {ChannelKind.TWILIO_SMS: channel}, RetryPolicy(), clock=Clock(T0))
    await worker.drain(5)
    assert [n.subscriber_id for n in channel.sent] == ["phone"]
    assert await store.delivery_counts() == {"sent": 1}


async def test_shutdown_lets_attempts_finish_and_loses_nothing(store: Store) -> None:
    await enqueue(store, "a", "b")
    channel = FakeChannel(DeliveryResult.ok(), delay_s=0.05)
    worker = OutboxWorker(store, {ChannelKind.WEBHOOK: channel}, RetryPolicy(), clock=Clock(T0))
    await worker.sweep()
    await worker.aclose(grace_s=5)
    assert await store.delivery_counts() == {"sent": 2}
    assert sorted(n.subscriber_id for n in channel.sent) == ["a", "b"]


async def test_shutdown_past_grace_leaves_rows_for_the_next_run(store: Store) -> None:
    await enqueue(store, "a")
    channel = FakeChannel(DeliveryResult.ok(), delay_s=10)
    worker = OutboxWorker(store, {ChannelKind.WEBHOOK: channel}, RetryPolicy(), clock=Clock(T0))
    await worker.sweep()
    await asyncio.sleep(0.01)
    await worker.aclose(grace_s=0.05)
    assert await store.delivery_counts() == {"claimed": 1}
    assert await store.release_all_claims(T0) == 1  # what the next start-up does on SQLite
    again = FakeChannel(DeliveryResult.ok())
    await OutboxWorker(store, {ChannelKind.WEBHOOK: again}, RetryPolicy(), clock=Clock(T0)).drain(5)
    assert await store.delivery_counts() == {"sent": 1}
    assert len(again.sent) == 1


async def test_an_absurd_retry_after_from_an_endpoint_is_capped_not_a_crash(store: Store) -> None:
    # An endpoint's Retry-After is untrusted input: a huge value must not overflow the retry
    # time (OverflowError left the row claimed, never recorded) nor park the row for decades.
    import aiohttp

    from notifier.channels.webhook import WebhookChannel
    from tests.fakes import Reply, WebhookConsumer
    from tests.test_channels_webhook import SECRET, endpoint

    await enqueue(store, "ops")
    clock = Clock(T0)
    async with (
        WebhookConsumer(SECRET, script=[Reply.retry_after(503, "99999999999999")]) as consumer,
        aiohttp.ClientSession() as session,
    ):
        channel = WebhookChannel(session, {"ops": endpoint(consumer.url)})  # signs with real time
        policy = RetryPolicy((5,), max_attempts=5, jitter_ratio=0)
        await OutboxWorker(store, {ChannelKind.WEBHOOK: channel}, policy, clock=clock).drain(5)
    assert len(consumer.attempts) == 1
    assert await store.delivery_counts() == {"pending": 1}
    (row,) = await store.deliveries()
    assert row["next_attempt_at"] == (T0 + timedelta(seconds=policy.max_retry_after_s)).isoformat()


class SlowRecordStore(Store):
    """The real store, slow to record an attempt (a busy database)."""

    async def record_attempt(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.3)
        return await super().record_attempt(*args, **kwargs)


async def test_shutdown_waits_for_the_record_of_an_attempt_that_was_made(store: Store) -> None:
    # The grace ends while the (shielded) record of a sent notice is being written: aclose must
    # not return before it is, or the store closes under it and the next run sends it again.
    await enqueue(store, "a")
    slow = SlowRecordStore(store.engine)
    channel = FakeChannel(DeliveryResult.ok(), delay_s=0.05)
    worker = OutboxWorker(slow, {ChannelKind.WEBHOOK: channel}, RetryPolicy(), clock=Clock(T0))
    await worker.sweep()
    await worker.aclose(grace_s=0.15)
    assert await store.delivery_counts() == {"sent": 1}


# --- the pipeline: batch claims, leases, wake-ups ----------------------------------------------


def now_utc() -> datetime:
    return datetime.now(UTC)


async def enqueue_many(store: Store, n: int, *, at: datetime | None = None) -> Event:
    ev = red_event()
    await store.commit_outcome(
        source_id="s",
        document=None,
        level_writes=[],
        new_events=[ev],
        notices=[notice(ev, f"hook{i}") for i in range(n)],
        now=at or now_utc(),
    )
    return ev


@contextlib.asynccontextmanager
async def running(worker: OutboxWorker) -> AsyncIterator[OutboxWorker]:
    task = asyncio.create_task(worker.run())
    try:
        yield worker
    finally:
        await worker.aclose(grace_s=2)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def wait_for_counts(store: Store, want: dict[str, int], timeout_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await store.delivery_counts() != want:
        assert asyncio.get_running_loop().time() < deadline, await store.delivery_counts()
        await asyncio.sleep(0.05)


async def test_one_claim_takes_a_batch_in_due_order(store: Store) -> None:
    await enqueue_many(store, 30, at=T0)
    rows = await store.claim(limit=25, worker="w", now=T0, lease_s=15)
    assert len(rows) == 25
    assert len({r.id for r in rows}) == 25
    assert all(r.status == "claimed" for r in rows)
    assert len(await store.claim(limit=25, worker="w2", now=T0, lease_s=15)) == 5


async def test_a_finished_attempt_frees_its_slot_at_once(store: Store) -> None:
    # 40 rows, 8 slots, 50 ms each: a steady pipeline keeps all 8 busy and needs no sweep
    # interval (here an absurd 30 s) between rounds.
    await enqueue_many(store, 40)
    running_now = peak = 0

    class Counting(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            nonlocal running_now, peak
            running_now += 1
            peak = max(peak, running_now)
            await asyncio.sleep(0.05)
            running_now -= 1
            return DeliveryResult.ok()

    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: Counting()},
        RetryPolicy(),
        concurrency=8,
        idle_poll_s=30,
        clock=now_utc,
    )
    async with running(worker):
        await wait_for_counts(store, {"sent": 40}, timeout_s=20)
    assert peak == 8


async def test_results_are_recorded_in_batches(store: Store) -> None:
    await enqueue_many(store, 30)
    calls: list[int] = []

    class Counting(Store):
        async def record_attempts(self, records, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(len(records))
            await asyncio.sleep(0.05)  # a database that takes its time
            return await super().record_attempts(records, **kwargs)

    worker = OutboxWorker(
        Counting(store.engine),
        {ChannelKind.WEBHOOK: FakeChannel(DeliveryResult.ok())},
        RetryPolicy(),
        concurrency=30,
        clock=now_utc,
    )
    await worker.drain(10)
    assert await store.delivery_counts() == {"sent": 30}
    assert sum(calls) == 30
    assert len(calls) < 30 / 2  # many results per transaction


async def test_a_result_is_written_at_once_and_waits_for_at_most_one_write(store: Store) -> None:
    # Group commit: the writer starts as soon as a result exists (no timer) and, while a write
    # is under way, the results finished meanwhile go out in the next write, the moment the
    # previous one ends. A result that waited for a timer would be a duplicate after a crash.
    await enqueue_many(store, 2)
    loop = asyncio.get_running_loop()
    finished: dict[str, float] = {}
    writes: list[tuple[float, float, list[str]]] = []

    class Staggered(FakeChannel):
        async def send(self, notice: Notice) -> DeliveryResult:
            await asyncio.sleep(0.0 if notice.subscriber_id == "hook0" else 0.1)
            finished[notice.subscriber_id] = loop.time()
            return DeliveryResult.ok()

    class SlowWrites(Store):
        async def record_attempts(self, records, **kwargs):  # type: ignore[no-untyped-def]
            start = loop.time()
            await asyncio.sleep(0.4)  # a busy database
            statuses = await super().record_attempts(records, **kwargs)
            writes.append((start, loop.time(), [r.delivery.subscriber_id for r in records]))
            return statuses

    worker = OutboxWorker(
        SlowWrites(store.engine),
        {ChannelKind.WEBHOOK: Staggered(DeliveryResult.ok())},
        RetryPolicy(),
        idle_poll_s=30,  # no sweep, no timer would come to the rescue within the test
        clock=now_utc,
    )
    async with running(worker):
        await wait_for_counts(store, {"sent": 2}, timeout_s=5)
    (start0, end0, first), (start1, _end1, second) = writes
    assert (first, second) == (["hook0"], ["hook1"])
    assert start0 - finished["hook0"] < 0.05  # written at once
    assert finished["hook1"] < end0  # it finished during the first write...
    assert start1 - end0 < 0.05  # ...and went out the moment that write ended


async def test_a_live_worker_keeps_its_rows_while_an_attempt_outlasts_the_lease(
    store: Store,
) -> None:
    # The attempt takes 3 s, the lease 2 s; the heartbeat extends it every 0.3 s, so neither
    # another replica nor the owner itself takes the row again: one attempt, one copy.
    await enqueue(store, "slow")
    channel = FakeChannel(DeliveryResult.ok(), delay_s=3.0)
    owner = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: channel},
        RetryPolicy(),
        lease_s=2,
        heartbeat_s=0.3,
        idle_poll_s=0.1,
        clock=now_utc,
    )
    async with running(owner):
        for _ in range(8):
            await asyncio.sleep(0.4)
            assert await store.claim(limit=5, worker="other", now=now_utc(), lease_s=2) == []
        await wait_for_counts(store, {"sent": 1}, timeout_s=10)
    assert len(channel.sent) == 1


async def test_a_dead_workers_rows_are_taken_once_its_lease_runs_out(store: Store) -> None:
    await enqueue(store, "a", "b")
    taken = await store.claim(limit=5, worker="dead", now=now_utc(), lease_s=2)
    assert len(taken) == 2  # ... and then that replica was killed: no heartbeat
    channel = FakeChannel(DeliveryResult.ok())
    survivor = OutboxWorker(
        store, {ChannelKind.WEBHOOK: channel}, RetryPolicy(), idle_poll_s=0.2, clock=now_utc
    )
    started = asyncio.get_running_loop().time()
    async with running(survivor):
        await wait_for_counts(store, {"sent": 2}, timeout_s=15)
    elapsed = asyncio.get_running_loop().time() - started
    assert 1.5 < elapsed < 15  # not before the lease ended, and seconds (not minutes) after
    assert sorted(n.subscriber_id for n in channel.sent) == ["a", "b"]


async def test_new_rows_wake_a_worker_of_another_process(database_url: str) -> None:
    # Two Store objects are two replicas; the idle wait is 30 s, so only a wake-up (PostgreSQL
    # NOTIFY) delivers within the bound.
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share PostgreSQL; SQLite has one process that wakes itself")
    replica_a = await Store.open(database_url)
    replica_b = await Store.open(database_url)
    try:
        channel = FakeChannel(DeliveryResult.ok())
        worker = OutboxWorker(
            replica_b, {ChannelKind.WEBHOOK: channel}, RetryPolicy(), idle_poll_s=30, clock=now_utc
        )
        async with running(worker):
            await asyncio.sleep(0.5)  # B is idle, listening
            await enqueue_many(replica_a, 3)
            await wait_for_counts(replica_a, {"sent": 3}, timeout_s=10)
    finally:
        await replica_a.close()
        await replica_b.close()


# --- fairness and isolation ----------------------------------------------------------------------


async def enqueue_for(
    store: Store,
    subscriber: str,
    n: int,
    *,
    to: str = "",
    channel: ChannelKind = ChannelKind.WEBHOOK,
) -> None:
    """`n` events for one endpoint: `n` rows the endpoint must receive in turn."""
    for i in range(n):
        ev = red_event(T0 + timedelta(minutes=i))
        row = notice(ev, subscriber, channel)
        if to:
            row = Notice(
                row.event_id, subscriber, row.channel, to, row.body, delivery_id=row.delivery_id
            )
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[row],
            now=now_utc(),
        )


async def test_the_circuit_opens_defers_without_attempts_and_closes_after_a_probe(
    store: Store,
) -> None:
    from prometheus_client import REGISTRY

    def gauge() -> float | None:
        return REGISTRY.get_sample_value("notifier_circuit_open", {"endpoint": "down"})

    await enqueue_for(store, "down", 10)
    channel = FakeChannel(DeliveryResult.retryable("HTTP 503"))
    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: channel},
        RetryPolicy((0.1,), max_attempts=50, jitter_ratio=0),
        per_endpoint=1,
        breaker=BreakerPolicy(failures=3, cooldown_s=1.5),
        idle_poll_s=0.1,
        clock=now_utc,
    )
    async with running(worker):
        deadline = asyncio.get_running_loop().time() + 10
        while not worker.circuits() or worker.circuits()[0]["state"] != "open":
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # well inside the cool-down: nothing is attempted
        assert len(channel.sent) == 3
        assert gauge() == 1
        [circuit] = worker.circuits()
        assert (circuit["endpoint"], circuit["consecutive_failures"]) == ("down", 3)
        rows = await store.deliveries(limit=20)
        assert sum(r["attempts"] for r in rows) == 3  # deferred rows paid no attempt
        outcomes = [h["outcome"] for r in rows for h in r["history"]]
        assert outcomes.count("retryable") == 3
        assert set(outcomes) == {"retryable", "deferred"}  # deferrals are in the history
        assert {r["status"] for r in rows} == {"pending"}
        channel.script = [DeliveryResult.ok()]  # the endpoint recovers
        await wait_for_counts(store, {"sent": 10}, timeout_s=15)
    assert worker.circuits() == []
    assert gauge() == 0
    # One probe after the cool-down, then the other nine: no burst while half-open.
    assert len(channel.sent) == 3 + 10


async def test_a_failed_probe_opens_the_circuit_again(store: Store) -> None:
    await enqueue_for(store, "down", 4)
    channel = FakeChannel(DeliveryResult.retryable("HTTP 500"))
    worker = OutboxWorker(
        store,
        {ChannelKind.WEBHOOK: channel},
        RetryPolicy((0.05,), max_attempts=50, jitter_ratio=0),
        per_endpoint=1,
        breaker=BreakerPolicy(failures=2, cooldown_s=0.8),
        idle_poll_s=0.1,
        clock=now_utc,
    )
    async with running(worker):
        await asyncio.sleep(2.2)  # two attempts, then ~2 cool-downs with one probe each
    assert 3 <= len(channel.sent) <= 5
    [circuit] = worker.circuits()
    assert circuit["state"] in ("open", "half_open")


async def test_404_is_retried_and_410_stops_every_pending_row_of_the_endpoint(
    store: Store,
) -> None:
    import aiohttp

    from notifier.channels.webhook import WebhookChannel
    from tests.fakes import WebhookConsumer
    from tests.test_channels_webhook import SECRET, endpoint

    await enqueue_for(store, "moved", 1)
    await enqueue_for(store, "gone", 6)
    async with (
        WebhookConsumer(SECRET, script=[404], path="/moved") as moved,
        WebhookConsumer(SECRET, default=410, path="/gone") as gone,
        aiohttp.ClientSession() as session,
    ):
        endpoints = {
            "moved": endpoint(moved.url).model_copy(update={"id": "moved"}),
            "gone": endpoint(gone.url).model_copy(update={"id": "gone"}),
        }
        worker = OutboxWorker(
            store,
            {ChannelKind.WEBHOOK: WebhookChannel(session, endpoints)},
            RetryPolicy((0.2,), max_attempts=5, jitter_ratio=0),
            per_endpoint=1,
            idle_poll_s=0.1,
            clock=now_utc,
        )
        async with running(worker):
            await wait_for_counts(store, {"sent": 1, "dead": 6}, timeout_s=10)
    assert [a["status"] for a in moved.attempts] == [404, 200]
    [sent] = await store.deliveries(status="sent")
    assert [(h["attempt"], h["outcome"], h["reason"]) for h in sent["history"]] == [
        (1, "retryable", "HTTP 404"),
        (2, "ok", "HTTP 200"),
    ]
    assert [a["status"] for a in gone.attempts] == [410]  # one answer stopped all six
    dead = await store.deliveries(status="dead")
    assert sorted(r["attempts"] for r in dead) == [0, 0, 0, 0, 0, 1]
    assert sum("endpoint disabled" in r["last_error"] for r in dead) == 5
    assert await store.blocked_subscribers() == {"gone": dead_reason(dead)}


def dead_reason(rows: list[dict[str, object]]) -> str:
    [first] = [r for r in rows if r["attempts"] == 1]
    return str(first["last_error"])


async def test_a_rate_limit_wait_is_not_an_attempt_and_never_dead_letters(store: Store) -> None:
    # One attempt allowed per message, a sender limit of 1/s and a channel that will not wait
    # longer than 0.2 s (the worker starts an SMS once the limit is booked at most 0.5 s
    # ahead): messages that must wait longer are deferred, never failed.
    from prometheus_client import REGISTRY

    from notifier.channels.twilio_sms import TwilioSmsChannel
    from tests.fakes import FakeTwilioApi
    from tests.test_channels_twilio import SID, TOKEN, config

    def deferrals() -> float:
        labels = {"channel": "twilio_sms", "result": "deferred"}
        return REGISTRY.get_sample_value("notifier_delivery_attempts_total", labels) or 0.0

    deferred_before = deferrals()

    async with FakeTwilioApi(SID, TOKEN) as api:
        for i in range(3):
            await enqueue_for(
                store, f"p{i}", 1, to=f"+7701000000{i}", channel=ChannelKind.TWILIO_SMS
            )
        async with TwilioSmsChannel(config(api, max_per_s=1), max_wait_s=0.2) as sms:
            worker = OutboxWorker(
                store,
                {ChannelKind.TWILIO_SMS: sms},
                RetryPolicy((60,), max_attempts=1, jitter_ratio=0),
                idle_poll_s=0.1,
                clock=now_utc,
            )
            async with running(worker):
                await wait_for_counts(store, {"sent": 3}, timeout_s=15)
        assert len(api.messages) == 3
    rows = await store.deliveries()
    assert sorted(r["attempts"] for r in rows) == [1, 1, 1]
    assert deferrals() > deferred_before  # the limit did make messages wait


async def test_a_hanging_and_a_failing_endpoint_do_not_hold_up_healthy_ones(
    store: Store,
) -> None:
    # 20 endpoints, 5 rows each; one endpoint hangs (8 s timeout), one fails at once. With 16
    # slots and 4 per endpoint, the healthy 90 rows must not wait for the hanging ones.
    import aiohttp

    from notifier.channels.webhook import WebhookChannel
    from tests.fakes import Reply, WebhookConsumer
    from tests.test_channels_webhook import SECRET, endpoint

    names = [f"ok{i}" for i in range(18)] + ["hang", "fail"]
    events = [red_event(T0 + timedelta(minutes=i)) for i in range(5)]
    for ev in events:
        await store.commit_outcome(
            source_id="s",
            document=None,
            level_writes=[],
            new_events=[ev],
            notices=[notice(ev, name) for name in names],
            now=now_utc(),
        )
    async with (
        WebhookConsumer(SECRET, path="/ok") as healthy,
        WebhookConsumer(SECRET, default=Reply(200, delay_s=10), path="/hang") as hanging,
        WebhookConsumer(SECRET, default=500, path="/fail") as failing,
        aiohttp.ClientSession() as session,
    ):
        url = {"hang": hanging.url, "fail": failing.url}
        endpoints = {
            n: endpoint(url.get(n, healthy.url), timeout_s=8).model_copy(update={"id": n})
            for n in names
        }
        worker = OutboxWorker(
            store,
            {ChannelKind.WEBHOOK: WebhookChannel(session, endpoints)},
            RetryPolicy((2,), max_attempts=5, jitter_ratio=0),
            concurrency=16,
            per_endpoint=4,
            idle_poll_s=0.1,
            clock=now_utc,
        )
        # The hanging endpoint's rows are claimed first, so an outbox with head-of-line
        # blocking fills its slots with them.
        started = asyncio.get_running_loop().time()
        async with running(worker):
            deadline = started + 30
            while len(healthy.deliveries) < 90:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.02)
            healthy_s = asyncio.get_running_loop().time() - started
            await worker.aclose(grace_s=0.1)
    assert healthy_s < 4.0  # the hanging endpoint answers only after 8 s
    assert len(failing.attempts) >= 4
