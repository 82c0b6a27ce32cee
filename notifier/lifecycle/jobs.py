"""The scheduler's jobs: one polling job per source and the jobs one replica runs at a time.

One door in, `Jobs.start(config)`, which schedules everything, and `Jobs.run_singleton(name)`,
which the scheduler calls; one door out, each job's own `run` (the service's expiry, review
and retention stages). Replicas share the lease table, never memory: a singleton job runs on
the replica holding its lease "job:<name>" (the source-lease table holds it: a job is a source
of work that exactly one replica may poll).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from notifier.config import Config, SourceBase
from notifier.lifecycle.retention import purge_history
from notifier.store import Store

__all__ = [
    "REVIEW_EVERY_S",
    "SINGLETON_JOBS",
    "Jobs",
    "SingletonJob",
    "job_lease",
    "singleton_jobs",
    "source_triggers",
]

log = logging.getLogger("notifier")

REVIEW_EVERY_S = 5.0  # how often approved review items and reports are applied
SINGLETON_JOBS = ("expiry", "review", "retention")


def job_lease(job: str) -> str:
    return f"job:{job}"


def source_triggers(config: Config) -> dict[str, IntervalTrigger]:
    """The polling trigger of every enabled source, built up front: a value a trigger cannot
    take fails here, before any job is touched."""
    return {
        source.id: IntervalTrigger(seconds=source.interval_s, jitter=source.jitter_s)
        for source in config.sources
        if source.enabled
    }


@dataclass(frozen=True, slots=True)
class SingletonJob:
    """A job exactly one replica runs: its name, its interval (read from the configuration in
    force, so a reload is seen) and what it runs (returns how much it did)."""

    name: str
    interval_s: Callable[[], float]
    run: Callable[[], Awaitable[int]]


def singleton_jobs(
    config: Callable[[], Config],
    store: Callable[[], Store],
    clock: Callable[[], datetime],
    *,
    expire: Callable[[], Awaitable[int]],
    apply_approved: Callable[[], Awaitable[int]],
) -> list[SingletonJob]:
    """The jobs one replica at a time runs (the apply stage's expiry and approved reviews,
    retention), with intervals from the configuration in force."""

    def purge() -> Awaitable[int]:
        return purge_history(store(), config().retention, clock())

    return [
        SingletonJob("expiry", lambda: float(config().levels.expiry_check_s), expire),
        SingletonJob("review", lambda: REVIEW_EVERY_S, apply_approved),
        SingletonJob("retention", lambda: float(config().retention.interval_s), purge),
    ]


class Jobs:
    """Owns the scheduler: source polls, singleton jobs and the config file watcher."""

    def __init__(
        self,
        store: Callable[[], Store],
        holder: str,
        clock: Callable[[], datetime],
        singletons: Sequence[SingletonJob],
    ) -> None:
        self._store = store
        self._holder = holder
        self._clock = clock
        self._singletons = {job.name: job for job in singletons}
        self.scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )

    def start(
        self,
        config: Config,
        source_triggers: dict[str, IntervalTrigger],
        poll: Callable[[SourceBase], Awaitable[Any]],
        watch: Callable[[], Awaitable[Any]] | None,
    ) -> None:
        """Schedule every source's poll, the singleton jobs and (`watch`) the reload check."""
        self.schedule_sources(config, source_triggers, poll)
        for job in self._singletons.values():
            self.scheduler.add_job(
                self.run_singleton,
                "interval",
                args=[job.name],
                seconds=job.interval_s(),
                id=job.name,
            )
        if watch is not None:
            self.scheduler.add_job(watch, "interval", seconds=2, id="reload")
        self.scheduler.start()

    def schedule_sources(
        self,
        config: Config,
        triggers: dict[str, IntervalTrigger],
        poll: Callable[[SourceBase], Awaitable[Any]],
    ) -> None:
        """One polling job per enabled source; a source whose settings did not change keeps
        its job (and its next poll time)."""
        wanted = {s.id: s for s in config.sources if s.id in triggers}
        for job in self.scheduler.get_jobs():
            source_id = job.id.removeprefix("source:")
            if job.id.startswith("source:") and wanted.get(source_id) != job.args[0]:
                job.remove()
        present = {job.id for job in self.scheduler.get_jobs()}
        for source in wanted.values():
            if f"source:{source.id}" not in present:
                self.scheduler.add_job(
                    poll,
                    triggers[source.id],
                    args=[source],
                    id=f"source:{source.id}",
                    next_run_time=self._clock(),
                )

    def reschedule(
        self,
        new: Config,
        old: Config,
        triggers: dict[str, IntervalTrigger],
        expiry: IntervalTrigger,
        poll: Callable[[SourceBase], Awaitable[Any]],
    ) -> None:
        """A reloaded configuration: its sources' polls (`triggers`, staged), and the expiry
        timer's interval if it changed."""
        if not self.scheduler.running:
            return
        self.schedule_sources(new, triggers, poll)
        if new.levels.expiry_check_s != old.levels.expiry_check_s:
            self.scheduler.reschedule_job("expiry", trigger=expiry)

    async def run_singleton(self, name: str) -> int | None:
        """Run a job that must run once across replicas, if this replica holds its lease.

        The holder renews the lease on every run; the lease outlives three intervals (at least
        30 s) so a holder that died is replaced within that time, and one that stopped releases
        it at once. Returns None when another replica holds the lease.
        """
        job = self._singletons.get(name)
        if job is None:
            raise ValueError(f"unknown singleton job {name!r}")
        ttl_s = max(3 * job.interval_s(), 30.0)
        if not await self._store().take_lease(
            job_lease(name), self._holder, now=self._clock(), ttl_s=ttl_s
        ):
            log.debug("job %s: held by another replica", name)
            return None
        return await job.run()

    async def stop(self) -> None:
        """Stop scheduling and release this replica's singleton leases at once."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def release(self) -> None:
        for name in self._singletons:
            await self._store().release_lease(job_lease(name), self._holder)
