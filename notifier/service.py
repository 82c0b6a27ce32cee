"""Wiring and lifecycle: the pipeline in one place.

    source --SourceRunner--> Document --Ingest (timebounds, extraction worker)--> reports
      --Applier (trust, LevelBook, one levels transaction)--> events in the dispatch queue
    dispatch queue --Dispatching (Followers' router, silences, Renderer)--> outbox rows
    outbox --OutboxWorker--> ChannelSet (a channel per registered kind) --> recorded result

`Service` is the container: it builds each stage from the configuration, and has one lifecycle,
`start`, `reload` (`notifier.lifecycle.reload` stages, `notifier.lifecycle.swap` swaps in) and
`stop`. The transports (HTTP, CLI) call the application layer built over it (`self.services`,
`notifier.app`); a command-line client (`client=True`) starts only the database and routing.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from notifier import __version__, metrics
from notifier.app import build_services
from notifier.apply import Applier
from notifier.channels.running import ChannelSet
from notifier.clock import Clock, system_clock
from notifier.config import Config
from notifier.dispatch.followers import Followers
from notifier.dispatch.outbox import worker_name
from notifier.ingest import Ingest, extraction_runner
from notifier.lifecycle import swap
from notifier.lifecycle.dispatching import Dispatching
from notifier.lifecycle.jobs import Jobs, singleton_jobs, source_triggers
from notifier.lifecycle.outbox import build_outbox, release_leftovers
from notifier.lifecycle.reload import ConfigReloader, ReloadOutcome
from notifier.lifecycle.tasks import Tasks
from notifier.logging import bind_process
from notifier.netguard import NetworkGuard
from notifier.preflight import prepare
from notifier.sources import SourcePoller
from notifier.sources.runner import SourceRunner
from notifier.store import Store
from notifier.store.subscribers import member_id

__all__ = ["ReloadOutcome", "Service", "member_id"]

USER_AGENT = f"notifier/{__version__} (+https://github.com/notifier/notifier)"


class Service:
    store: Store  # opened by `start`

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock = system_clock,
        echo: Callable[[str], None] | None = None,
        rng: Callable[[], float] = random.random,
        start_scheduler: bool = True,
        client: bool = False,
        config_file: Path | None = None,
        config_overrides: dict[str, Any] | None = None,
        reload_settle_s: float = 0.5,
        reload_unterminated_s: float = 10.0,
    ) -> None:
        """`config_file` (with the overrides the command line gave) enables reload on change;
        `client` is a command-line client's service (no scheduler, outbox or channels)."""
        self.config, self.clock, self.rng = config, clock, rng
        self.echo = echo or (lambda line: print(line, flush=True))
        self.client, self.config_file = client, config_file
        self.start_scheduler = start_scheduler and not client
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
        self.dispatching = Dispatching(
            store=store, router=lambda: self.followers.current(), renderer=lambda: self.renderer,
            mutes=lambda now: self.services.silences.muting(now),
            group_wait_s=lambda: self.config.dispatch.group_wait_s, clock=clock,
            worker=self.name, on_written=self.kick_outbox,
        )  # fmt: skip
        self.dispatch = self.dispatching.dispatch  # a pass now (start-up, clients, tests)
        self.levels = Applier(
            store=store, config=current, catalog=lambda: self.catalog, clock=clock,
            echo=self.echo, queued=self.dispatching.queued,
        )  # fmt: skip
        # Extraction runs in a worker process with a time budget per document.
        self.extraction = extraction_runner(config)
        self.intake = Ingest(self.extraction, config=current, clock=clock, apply=self.levels.apply)
        self.ingest = self.intake.ingest  # the pipeline's door for a document
        self.reloader = ConfigReloader(
            config_file, overrides=dict(config_overrides or {}), current=current,
            states=lambda: self.levels.book.states(), runtime=partial(swap.runtime, self),
            swap_in=partial(swap.swap_in, self), clock=clock, settle_s=reload_settle_s,
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
            await (self._start_client() if self.client else self._start())
        except BaseException:
            await self.tasks.cancel()
            await self.channels.aclose(quietly=True)
            with contextlib.suppress(Exception):
                await self.extraction.aclose()
            for name in ("session", "store"):
                with contextlib.suppress(Exception):
                    await self.__dict__.pop(name).close()
            raise

    async def _start_client(self) -> None:
        """The database and the routing only: no start-up work meant for the process that
        owns the outbox (on SQLite that frees every claimed row, and a running service's
        claims are live). What a client writes, the running service's outbox sends."""
        self.store = await Store.open(self.config.database_url)
        # The YAML is the seed of the subscribers table, whoever reads it first.
        await self.services.subscribers.sync_config(self.config)
        await self.followers.refresh()
        self.started = True

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
        self.outbox = build_outbox(
            self.store, self.channels, config, rng=self.rng, clock=self.clock,
            on_result=self.channels.delivered,
        )  # fmt: skip
        jobs = singleton_jobs(
            lambda: self.config, lambda: self.store, self.clock,
            expire=self.levels.expire, apply_approved=self.levels.apply_approved,
        )  # fmt: skip
        self.jobs = Jobs(lambda: self.store, self.name, self.clock, jobs)
        self.scheduler = self.jobs.scheduler
        if self.start_scheduler:
            watch = self.reload_if_changed if self.config_file is not None else None
            self.jobs.start(config, source_triggers(config), self.poll_source, watch)
            self.tasks.spawn(self.outbox.run(), "outbox")
            self.tasks.spawn(self.dispatching.run(), "dispatch")
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
        if not self.client:
            await self.jobs.stop()
            await self.tasks.cancel()
            await self.outbox.aclose(grace_s=5.0)
            await self.source_runner.close(self.config.sources)
            await self.jobs.release()
            await self.channels.aclose()
            await self.session.close()
        await self.extraction.aclose()
        await self.store.close()

    def kick_outbox(self) -> None:
        """New rows of this process: the worker claims now (other replicas hear a NOTIFY)."""
        if self.started and not self.client:
            self.outbox.wake()

    def request_reload(self, trigger: str = "SIGHUP") -> None:
        """Reload now, from a signal handler: the file is read as soon as it is settled."""
        self.tasks.spawn(self.reload(trigger, patience=20), "reload")
