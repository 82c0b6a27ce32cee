"""The outbox from the configuration: built at start, reconfigured by a reload, and on
SQLite (one process) what the last run left claimed released before it starts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from notifier.channels.base import Channel
from notifier.config import Config
from notifier.dispatch.outbox import BreakerPolicy, OutboxWorker, ResultHook, RetryPolicy
from notifier.store import Store
from notifier.store.queue import DispatchQueue

__all__ = ["build_outbox", "reconfigure_outbox", "release_leftovers", "retry_policy"]

log = logging.getLogger("notifier")


def retry_policy(config: Config, rng: Callable[[], float]) -> RetryPolicy:
    ob = config.outbox
    return RetryPolicy(tuple(ob.retry_schedule_s), ob.max_attempts, ob.jitter_ratio, rng)


def build_outbox(
    store: Store,
    channels: Mapping[str, Channel],
    config: Config,
    *,
    rng: Callable[[], float],
    clock: Callable[[], datetime],
    on_result: ResultHook,
) -> OutboxWorker:
    ob = config.outbox
    return OutboxWorker(
        store,
        channels,
        retry_policy(config, rng),
        concurrency=ob.concurrency,
        per_endpoint=ob.per_endpoint,
        lease_s=ob.lease_s,
        heartbeat_s=ob.heartbeat_s,
        idle_poll_s=ob.sweep_interval_s,
        breaker=BreakerPolicy(ob.breaker_failures, ob.breaker_cooldown_s),
        clock=clock,
        on_result=on_result,
    )


def reconfigure_outbox(outbox: OutboxWorker, config: Config, policy: RetryPolicy) -> None:
    """New limits and retry policy (staged by the reload); attempts in flight keep theirs."""
    ob = config.outbox
    outbox.policy = policy
    outbox.reconfigure(
        concurrency=ob.concurrency,
        per_endpoint=ob.per_endpoint,
        lease_s=ob.lease_s,
        heartbeat_s=ob.heartbeat_s,
        idle_poll_s=ob.sweep_interval_s,
    )
    outbox.breaker = BreakerPolicy(ob.breaker_failures, ob.breaker_cooldown_s)


async def release_leftovers(store: Store, now: datetime) -> None:
    """On SQLite this is the only process: what the last run claimed (outbox rows, dispatch
    groups) is free again. On PostgreSQL other replicas may hold them: their leases decide."""
    if store.dialect != "sqlite":
        return
    released = await store.release_all_claims(now)
    if released:
        log.info("outbox: %d deliveries left unfinished by the last run will be retried", released)
    await DispatchQueue(store.engine).release_all()
