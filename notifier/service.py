"""Wiring and lifecycle: the pipeline in one place.

    source --SourceRunner--> Document --Ingest (timebounds, extraction worker)--> reports
      --Applier (trust, LevelBook, one levels transaction)--> events in the dispatch queue
    dispatch queue --Dispatcher (Followers' router, silences, Renderer)--> outbox rows
    outbox --OutboxWorker--> ChannelSet (a channel per registered kind) --> recorded result

`Service` builds each stage from the configuration, starts them, swaps a reloaded
configuration in (`notifier.lifecycle.reload` stages it) and stops them. The transports (HTTP,
CLI) call the application layer built over it (`self.services`, `notifier.app`).
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from notifier import __version__, metrics
from notifier.app import build_services
from notifier.apply import Applier
from notifier.channels.running import ChannelSet
from notifier.clock import Clock, system_clock
from notifier.config import Config
from notifier.dispatch.dispatcher import Dispatcher
from notifier.dispatch.followers import FollowerCache, Followers
from notifier.dispatch.outbox import worker_name
from notifier.ingest import Ingest, extraction_runner
from notifier.lifecycle.jobs import REVIEW_EVERY_S, Jobs, SingletonJob, source_triggers
from notifier.lifecycle.outbox import (
    build_outbox,
    reconfigure_outbox,
    release_leftovers,
    retry_policy,
)
from notifier.lifecycle.reload import ConfigReloader, ReloadOutcome, Runtime, Staged
from notifier.lifecycle.retention import purge_history
from notifier.lifecycle.tasks import Tasks
from notifier.logging import bind_process
from notifier.netguard import NetworkGuard
from notifier.preflight import prepare
from notifier.sources import SourcePoller
from notifier.sources.runner import SourceRunner
from notifier.store import Store
from notifier.store.queue import DISPATCH_CHANNEL, DispatchQueue
from notifier.store.subscribers import member_id

__all__ = ["ReloadOutcome", "Service", "member_id"]

log = logging.getLogger("notifier")

USER_AGENT = f"notifier/{__version__} (+https://github.com/notifier/notifier)"


class Service:
    store: Store  # opened by `start` (a command-line client opens it itself)

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock = system_clock,
        echo: Callable[[str], None] | None = None,
        rng: Callable[[], float] = random.random,
        start_scheduler: bool = True,
        config_file: Path | None = None,
        config_overrides: dict[str, Any] | None = None,
        reload_settle_s: float = 0.5,
        reload_unterminated_s: float = 10.0,
    ) -> None:
        """`config_file` (with the overrides the command line gave) enables reload on change."""
        self.config, self.clock, self.rng = config, clock, rng
        self.echo = echo or (lambda line: print(line, flush=True))
        self.start_scheduler, self.config_file = start_scheduler, config_file
        prepared = prepare(config)
        self.catalog, self.renderer = prepared.catalog, prepared.renderer
        self.name = worker_name()  # this replica, as lease holder
        self.started = False
        self.tasks = Tasks()  # outbox loop, dispatcher, warm-up, a signalled reload
        store, current = (lambda: self.store), (lambda: self.config)  # read at each use
        self.followers = Followers(store, lambda: self.catalog)
        self.channels = ChannelSet(
            store=store, followers=self.followers, clock=clock, echo=self.echo
        )
        self.levels = Applier(
            store=store, config=current, catalog=lambda: self.catalog, clock=clock,
            echo=self.echo, queued=self._queued,
        )  # fmt: skip
        # Extraction runs in a worker process with a time budget per document.
        self.extraction = extraction_runner(config)
        self.intake = Ingest(self.extraction, config=current, clock=clock, apply=self.levels.apply)
        self.ingest = self.intake.ingest  # the pipeline's door for a document
        self.reloader = ConfigReloader(
            config_file, overrides=dict(config_overrides or {}), current=current,
            states=lambda: self.levels.book.states(), runtime=self._runtime,
            swap_in=self._swap_in, clock=clock, settle_s=reload_settle_s,
            unterminated_s=reload_unterminated_s,
        )  # fmt: skip
        self.reload, self.reload_if_changed = self.reloader.reload, self.reloader.reload_if_changed
        self.services = build_services(self)  # the application layer the transports call

    @property
    def last_reload(self) -> ReloadOutcome | None:
        return self.reloader.last

    async def __aenter__(self) -> Service:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Open everything and start the jobs; on failure, close what was opened."""
        try:
            await self._start()
        except BaseException:
            await self.tasks.cancel()
            await self.channels.aclose(quietly=True)
            for name in ("session", "store"):
                with contextlib.suppress(Exception):
                    await self.__dict__.pop(name).close()
            raise

    async def _start(self) -> None:
        config = self.config
        bind_process(replica=self.name)
        # The extraction worker (a process of its own) loads while the rest starts.
        warming = (
            self.tasks.spawn(self.intake.warm_up(), "warm-up") if self.start_scheduler else None
        )
        self.store = await Store.open(config.database_url)
        await release_leftovers(self.store, self.clock())
        await self.levels.load()
        # Sources and webhooks connect only where the SSRF guard allows (notifier.netguard).
        self.guard = NetworkGuard(config.network.allow)
        self.session = self.guard.session(headers={"User-Agent": USER_AGENT})
        poller = SourcePoller(self.session, clock=self.clock, rng=self.rng)
        self.source_runner = SourceRunner(
            store=lambda: self.store, poller=poller, config=lambda: self.config,
            holder=self.name, clock=self.clock, ingest=self.ingest,
        )  # fmt: skip
        self.poll_source = self.source_runner.run
        # The YAML's followers are a seed: synced into the subscribers table at every start.
        await self.services.subscribers.sync_config(config)
        await self.followers.refresh()
        await self.channels.start(config, self.session)
        self.dispatcher = self._dispatcher()
        self.outbox = build_outbox(
            self.store, self.channels, config, rng=self.rng, clock=self.clock,
            on_result=self.channels.delivered,
        )  # fmt: skip
        self.jobs = Jobs(lambda: self.store, self.name, self.clock, self._singleton_jobs())
        self.scheduler = self.jobs.scheduler
        if self.start_scheduler:
            watch = self.reload_if_changed if self.config_file is not None else None
            self.jobs.start(config, source_triggers(config), self.poll_source, watch)
            self.tasks.spawn(self.outbox.run(), "outbox")
            self.tasks.spawn(self.dispatcher.run(), "dispatch")
        metrics.CONFIG_LAST_RELOAD_OK.set(1)
        if warming is not None:
            await warming
        self.started = True
        # Events a previous run committed but did not dispatch (a crash in between) go now.
        await self.dispatch()

    async def stop(self) -> None:
        """Stop polling, let deliveries in flight finish (briefly), release the rest."""
        if not self.started:
            return
        self.started = False
        await self.jobs.stop()
        await self.tasks.cancel()
        await self.outbox.aclose(grace_s=5.0)
        await self.extraction.aclose()
        await self.source_runner.close(self.config.sources)
        await self.jobs.release()
        await self.channels.aclose()
        await self.session.close()
        await self.store.close()

    def _singleton_jobs(self) -> list[SingletonJob]:
        """The jobs one replica at a time runs, with intervals from the configuration in force."""
        levels, retention = (lambda: self.config.levels), (lambda: self.config.retention)
        purge = lambda: purge_history(self.store, retention(), self.clock())  # noqa: E731
        return [
            SingletonJob("expiry", lambda: float(levels().expiry_check_s), self.levels.expire),
            SingletonJob("review", lambda: REVIEW_EVERY_S, self.levels.apply_approved),
            SingletonJob("retention", lambda: float(retention().interval_s), purge),
        ]

    def _dispatcher(self) -> Dispatcher:
        return Dispatcher(
            DispatchQueue(self.store.engine),
            router=self.followers.current,
            renderer=lambda: self.renderer,
            mutes=self.services.silences.muting,
            group_wait_s=lambda: self.config.dispatch.group_wait_s,
            clock=self.clock,
            worker=self.name,
            on_written=self.kick_outbox,
            listen=partial(self.store.listen_outbox, channel=DISPATCH_CHANNEL),
        )

    async def dispatch(self) -> int:
        """Write the outbox rows of every due group now; returns the rows written. A failure
        is logged, not raised: the events are committed and the next pass takes them.
        A service that was not started (a command-line client) dispatches too: the rows it
        writes are the running service's to send."""
        if "dispatcher" not in self.__dict__:
            self.dispatcher = self._dispatcher()
        try:
            return await self.dispatcher.dispatch_due()
        except Exception:
            log.exception("dispatch: writing outbox rows failed; the next pass tries again")
            return 0

    async def _queued(self) -> int:
        """The apply stage queued events: the background pass also picks up a group not yet
        due, this one writes what is due now."""
        if self.started:
            self.dispatcher.wake()
        return await self.dispatch()

    def kick_outbox(self) -> None:
        """New rows of this process: the worker claims now (other replicas hear a NOTIFY)."""
        if self.started:
            self.outbox.wake()

    def request_reload(self, trigger: str = "SIGHUP") -> None:
        """Reload now, from a signal handler: the file is read as soon as it is settled."""
        self.tasks.spawn(self.reload(trigger, patience=20), "reload")

    def _runtime(self, new: Config, old: Config) -> Runtime:
        """What a new configuration needs built before it can run; called off the loop."""
        return Runtime(
            policy=retry_policy(new, self.rng),
            source_triggers=source_triggers(new),
            expiry_trigger=IntervalTrigger(seconds=new.levels.expiry_check_s),
            channels=self.channels.build(new, old),
        )

    async def _swap_in(self, staged: Staged) -> None:
        """Apply a staged configuration. Only the first steps, syncing the YAML's followers
        into the subscribers table (one transaction) and reading them back, can fail, and
        they fail before anything in memory changed."""
        old, new = self.config, staged.config
        async with self.levels.lock, self.followers.lock:
            await self.services.subscribers.sync_config(new)
            cache: FollowerCache = {}  # a new catalog: every follower validated again
            router, version = await self.followers.rebuilt(staged.catalog, cache)
            # From here on nothing depends on the database or on the file's values.
            self.config, self.catalog, self.renderer = new, staged.catalog, staged.renderer
            self.followers.install(router, version, cache)
            self.levels.reconfigure()
        await self.intake.reconfigure(new)
        if self.started and self.start_scheduler:
            self.tasks.spawn(self.intake.warm_up(), "warm-up")
        self.guard.allow = list(new.network.allow)
        for warning in staged.warnings:
            log.warning("%s", warning)
        runtime = staged.runtime
        if self.start_scheduler:
            self.jobs.reschedule(
                new, old, runtime.source_triggers, runtime.expiry_trigger, self.poll_source
            )
        self.channels.swap(runtime.channels)
        reconfigure_outbox(self.outbox, new, runtime.policy)
