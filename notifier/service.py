"""Wiring and lifecycle: the pipeline in one place.

    source --poll--> documents --extract--> announcements --trust--> verdicts
      act:  --LevelBook.apply--> transitions --Event--> dispatch queue (levels transaction)
      hold: --> reports ledger (operators) + dispatch queue (level.reported)
    dispatch queue --Dispatcher: group, route, render--> outbox (durable)
    outbox --claim--> channel --> recorded result

`Service` wires the stages and owns the store, the shared aiohttp session and the channels
(built from `notifier.channels.REGISTRY`). The scheduler and singleton leases are
`notifier.lifecycle.jobs`, configuration reload `notifier.lifecycle.reload`, a source's poll
`notifier.sources.runner`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from apscheduler.triggers.interval import IntervalTrigger

from notifier import __version__, metrics
from notifier.app import build_services
from notifier.app.subscribers import FollowerCache, build_router
from notifier.channels import REGISTRY, ChannelContext
from notifier.channels.twilio_sms import SendBooker, TwilioSmsChannel
from notifier.clock import Clock, system_clock
from notifier.config import (
    Config,
    Recipient,
    SmsSubscriber,
    SourceBase,
)
from notifier.dispatch.dispatcher import Dispatcher, Plan, plan_notices
from notifier.dispatch.outbox import (
    BreakerPolicy,
    Channel,
    OutboxWorker,
    RetryPolicy,
    worker_name,
)
from notifier.dispatch.route import Router, channel_of
from notifier.extract import Catalog
from notifier.extract.worker import ExtractionFailed, ExtractionRunner
from notifier.levels import LevelBook
from notifier.lifecycle.jobs import REVIEW_EVERY_S, Jobs, SingletonJob
from notifier.lifecycle.reload import ConfigReloader, ReloadOutcome, Runtime, Staged, start_channel
from notifier.logging import bind_process, bound
from notifier.model import (
    ChannelKind,
    DeliveryResult,
    Document,
    Event,
    LevelState,
    Notice,
    Reported,
    Severity,
    Transition,
    Trust,
)
from notifier.netguard import NetworkGuard
from notifier.preflight import prepare
from notifier.sources import SourcePoller, source_report
from notifier.sources.runner import SourceRunner
from notifier.store import Delivery, Store
from notifier.store.queue import DISPATCH_CHANNEL, DispatchQueue, enqueue
from notifier.store.subscribers import member_id

__all__ = ["ReloadOutcome", "Service", "member_id"]
from notifier.timebounds import bound_announcements, bound_document
from notifier.trust import (
    Report,
    TrustPolicy,
    announcement_from_record,
    announcement_record,
    covers_a_country,
)

log = logging.getLogger("notifier")

USER_AGENT = f"notifier/{__version__} (+https://github.com/notifier/notifier)"


class Service:
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
        self.config = config
        self.clock = clock
        self.echo = echo or (lambda line: print(line, flush=True))
        self.rng = rng
        self.start_scheduler = start_scheduler
        self.config_file = config_file
        self.config_overrides = dict(config_overrides or {})
        prepared = prepare(config)
        self.catalog = prepared.catalog
        self.trust = _trust_policy(config, self.catalog)
        # Extraction runs in a worker process with a time budget per document (one door:
        # `await self.extraction.extract(doc)`).
        self.extraction = ExtractionRunner(
            config.resolve(config.catalog.schemes),
            config.resolve(config.catalog.areas),
            budget_s=config.extraction.budget_s,
        )
        self.renderer = prepared.renderer
        # A reload reads the file only once it is unchanged across two looks this far apart.
        self._levels_lock = asyncio.Lock()
        self._levels_version = -1  # of the book in memory; -1: read it from the database
        # The router is built from the subscribers table; -1: build it at the next use.
        self._router_version = -1
        self._router_lock = asyncio.Lock()
        # Each channel kind's contacts by key, refilled in place with every router (the
        # kind's channel holds its mapping).
        self._contacts: dict[str, dict[str, Recipient]] = {spec.kind: {} for spec in REGISTRY}
        self._followers: FollowerCache = {}  # for the current catalog
        self._tasks: list[asyncio.Task[Any]] = []
        self._retired: list[Channel] = []
        # Reload on change: one door in (`reload`), one out (`_swap_in`).
        self.reloader = ConfigReloader(
            config_file,
            overrides=self.config_overrides,
            current=lambda: self.config,
            states=lambda: self.book.states(),
            runtime=self._runtime,
            swap_in=self._swap_in,
            clock=self.clock,
            settle_s=reload_settle_s,
            unterminated_s=reload_unterminated_s,
        )
        self.name = worker_name()  # this replica, as lease holder
        self.started = False
        self.services = build_services(self)  # the application layer the transports call

    # --- lifecycle -------------------------------------------------------------------------

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
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks.clear()
            await self._close_partial()
            raise

    async def _close_partial(self) -> None:
        for channel in self.__dict__.pop("channels", {}).values():
            with contextlib.suppress(Exception):
                await channel.aclose()
        for name in ("session", "store"):
            resource = self.__dict__.pop(name, None)
            if resource is None:
                continue
            with contextlib.suppress(Exception):
                await resource.close()

    async def _start(self) -> None:
        config = self.config
        bind_process(replica=self.name)
        # The running service loads the extraction worker while the rest starts (it is a
        # process of its own), and is ready once both are.
        warming = self._warm_extraction() if self.start_scheduler else None
        self.store = await Store.open(config.database_url)
        if self.store.dialect == "sqlite":
            released = await self.store.release_all_claims(self.clock())
            if released:
                log.info(
                    "outbox: %d deliveries left unfinished by the last run will be retried",
                    released,
                )
        self.book = await self._load_book()
        # Sources and webhooks connect only where the SSRF guard allows (notifier.netguard).
        self.guard = NetworkGuard(config.network.allow)
        self.session = aiohttp.ClientSession(
            headers={"User-Agent": USER_AGENT},
            connector=self.guard.connector(),
        )
        self.poller = SourcePoller(self.session, clock=self.clock, rng=self.rng)
        self.source_runner = SourceRunner(
            store=lambda: self.store,
            poller=self.poller,
            config=lambda: self.config,
            holder=self.name,
            clock=self.clock,
            ingest=self.ingest,
        )
        # The YAML's followers are a seed: synced into the subscribers table at every start.
        await self.services.subscribers.sync_config(config)
        await self.refresh_router()
        self.channels: dict[str, Channel] = {}
        for kind, channel in self._build_channels(config).items():
            self.channels[kind] = channel  # closed by `_close_partial` if the next one fails
            await start_channel(channel)
        if self.store.dialect == "sqlite":
            await DispatchQueue(self.store.engine).release_all()
        self.dispatcher = self._dispatcher()
        self.outbox = OutboxWorker(
            self.store,
            self.channels,
            self._retry_policy(config),
            concurrency=config.outbox.concurrency,
            per_endpoint=config.outbox.per_endpoint,
            lease_s=config.outbox.lease_s,
            heartbeat_s=config.outbox.heartbeat_s,
            idle_poll_s=config.outbox.sweep_interval_s,
            breaker=BreakerPolicy(config.outbox.breaker_failures, config.outbox.breaker_cooldown_s),
            clock=self.clock,
            on_result=self._on_delivery,
        )
        self.jobs = Jobs(lambda: self.store, self.name, self.clock, self._singleton_jobs())
        self.scheduler = self.jobs.scheduler
        if self.start_scheduler:
            watch = self.reload_if_changed if self.config_file is not None else None
            self.jobs.start(config, _source_triggers(config), self.poll_source, watch)
            self._tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
            self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="dispatch"))
        metrics.CONFIG_LAST_RELOAD_OK.set(1)
        if warming is not None:
            await warming
        self.started = True
        # Events a previous run committed but did not dispatch (a crash in between) go now.
        await self.dispatch()

    def _warm_extraction(self) -> asyncio.Task[None]:
        """Start the extraction worker now rather than on the first document: spawning it
        and loading the catalog takes ~2 s, which the first announcement after a start or a
        reload would otherwise wait (it was most of the time from drop to first webhook)."""
        self._tasks = [t for t in self._tasks if not t.done()]
        task = asyncio.create_task(self._extract_nothing(), name="extraction warm-up")
        self._tasks.append(task)
        return task

    async def _extract_nothing(self) -> None:
        warm_up = Document(source_id="warm-up", id="warm-up", text="")
        try:
            await self.extraction.extract(warm_up)
        except ExtractionFailed as exc:
            log.warning("extraction worker did not warm up: %s", exc.reason)

    async def stop(self) -> None:
        """Stop polling, let deliveries in flight finish (briefly), release the rest."""
        if not self.started:
            return
        self.started = False
        await self.jobs.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.outbox.aclose(grace_s=5.0)
        await self.extraction.aclose()
        self.poller.close()
        for source in self.config.sources:
            await self.store.release_lease(source.id, self.name)
        await self.jobs.release()
        for channel in (*self.channels.values(), *self._retired):
            await channel.aclose()
        await self.session.close()
        await self.store.close()

    async def current_router(self) -> Router:
        """The router over the subscribers table as it is now: rebuilt when the stored
        `subscribers_version` moved (a subscriber created, changed, paused, opted out …
        through any replica), so every replica routes with the same subscribers."""
        version = await self.store.subscribers.version()
        if version != self._router_version:
            async with self._router_lock:
                if version != self._router_version:
                    await self._rebuild_router(self.catalog)
        return self.router

    async def _rebuild_router(self, catalog: Catalog) -> None:
        version, rows = await self.store.subscribers.all()
        blocked = await self.store.blocked_subscribers()
        self._install_router(build_router(rows, catalog, blocked, self._followers), version)

    def _install_router(self, router: Router, version: int) -> None:
        self.router = router
        self._router_version = version
        by_kind: dict[str, dict[str, Recipient]] = {kind: {} for kind in self._contacts}
        for follower in router.followers:
            by_kind.setdefault(channel_of(follower), {})[follower.id] = follower
        for kind, contacts in by_kind.items():
            held = self._contacts.setdefault(kind, {})
            held.clear()
            held.update(contacts)

    async def refresh_router(self) -> None:
        """Rebuild who hears what now, whatever the stored version says."""
        self._router_version = -1
        await self.current_router()

    async def router_changed(self) -> None:
        """Subscriptions changed: route the next event with the new list."""
        await self.current_router()

    async def sms_members(self, catalog: Catalog | None = None) -> list[SmsSubscriber]:
        """People who texted JOIN <area>, as subscribers with the id `member_id(phone)`."""
        catalog = catalog or self.catalog
        _, rows = await self.store.subscribers.all()
        router = build_router([r for r in rows if r.origin == "sms"], catalog, {})
        return [f for f in router.followers if isinstance(f, SmsSubscriber) and f.areas]

    async def _contact(self, key: str) -> Recipient | None:
        """A contact this replica's router does not know yet (another replica created it a
        moment ago): ask the database."""
        return (await self.current_router()).follower(key)

    @property
    def sms(self) -> TwilioSmsChannel:
        """The Twilio SMS channel in use (swapped when a reload changes `twilio`)."""
        channel = self.channels[ChannelKind.TWILIO_SMS]
        assert isinstance(channel, TwilioSmsChannel)
        return channel

    def _build_channels(self, config: Config, old: Config | None = None) -> dict[str, Channel]:
        """A channel for every registered kind (`notifier.channels.REGISTRY`), or with `old`
        only for the kinds whose settings differ between `old` and `config`; not started."""
        return {
            spec.kind: spec.build(self._channel_context(config, spec.kind))
            for spec in REGISTRY
            if old is None or spec.settings(config) != spec.settings(old)
        }

    def _channel_context(self, config: Config, kind: str) -> ChannelContext:
        return ChannelContext(
            config=config,
            session=self.session,
            clock=self.clock,
            echo=self.echo,
            followers=self._contacts.setdefault(kind, {}),
            resolve=self._contact,
            book_send=self._shared_booking(),
        )

    def _shared_booking(self) -> SendBooker | None:
        """On PostgreSQL a sender's rate limit is shared by every replica (one row per
        sender, `Store.book_send`); on SQLite there is one process and the limit is local."""
        if self.store.dialect != "postgresql":
            return None
        store = self.store

        async def book(
            sender: str, now_s: float, interval_s: float, max_wait_s: float
        ) -> tuple[bool, float]:
            return await store.book_send(
                sender, now_s=now_s, interval_s=interval_s, max_wait_s=max_wait_s
            )

        return book

    def _retry_policy(self, config: Config) -> RetryPolicy:
        ob = config.outbox
        return RetryPolicy(tuple(ob.retry_schedule_s), ob.max_attempts, ob.jitter_ratio, self.rng)

    # --- reloading the configuration -------------------------------------------------------

    async def reload_if_changed(self) -> bool:
        """Reload when the config file or a catalog/template file changed since last look."""
        return await self.reloader.reload_if_changed()

    def request_reload(self, trigger: str = "SIGHUP") -> None:
        """Reload now, from a signal handler: the file is read as soon as it is settled."""
        task = asyncio.create_task(self.reload(trigger, patience=20), name="reload")
        self._tasks.append(task)
        task.add_done_callback(self._forget_task)

    def _forget_task(self, task: asyncio.Task[Any]) -> None:
        if task in self._tasks:
            self._tasks.remove(task)

    async def reload(self, trigger: str = "file change", *, patience: int = 1) -> bool:
        """Swap in the file's configuration all at once, or refuse it and change nothing
        (`ConfigReloader.reload`). Sources, subscribers, webhooks, Twilio, templates,
        catalogs, outbox and level settings take effect at once; storage, server and data_dir
        need a restart (a warning says so)."""
        return await self.reloader.reload(trigger, patience=patience)

    @property
    def last_reload(self) -> ReloadOutcome | None:
        return self.reloader.last

    @last_reload.setter
    def last_reload(self, outcome: ReloadOutcome | None) -> None:
        self.reloader.last = outcome

    @property
    def reload_unterminated_s(self) -> float:
        return self.reloader.unterminated_s

    @reload_unterminated_s.setter
    def reload_unterminated_s(self, seconds: float) -> None:
        self.reloader.unterminated_s = seconds

    def _runtime(self, new: Config, old: Config) -> Runtime:
        """What a new configuration needs built before it can run; called off the loop."""
        return Runtime(
            policy=self._retry_policy(new),
            source_triggers=_source_triggers(new),
            expiry_trigger=IntervalTrigger(seconds=new.levels.expiry_check_s),
            channels=self._build_channels(new, old),
        )

    async def _swap_in(self, staged: Staged) -> None:
        """Apply a staged configuration. Only the first steps, syncing the YAML's followers
        into the subscribers table (one transaction) and reading them back, can fail, and
        they fail before anything in memory changed."""
        old, new = self.config, staged.config
        async with self._levels_lock, self._router_lock:
            await self.services.subscribers.sync_config(new)
            version, rows = await self.store.subscribers.all()
            blocked = await self.store.blocked_subscribers()
            followers: FollowerCache = {}  # a new catalog: every follower validated again
            router = build_router(rows, staged.catalog, blocked, followers)
            # From here on nothing depends on the database or on the file's values.
            self.config, self.catalog, self.renderer = new, staged.catalog, staged.renderer
            self._install_router(router, version)
            self._followers = followers
            self.trust = _trust_policy(new, staged.catalog)
            self.book = self.new_book(self.book.states(), self.book.memory())
        await self.extraction.reload(
            new.resolve(new.catalog.schemes),
            new.resolve(new.catalog.areas),
            budget_s=new.extraction.budget_s,
        )
        if self.started and self.start_scheduler:
            self._warm_extraction()
        self.guard.allow = list(new.network.allow)
        for warning in staged.warnings:
            log.warning("%s", warning)
        if self.start_scheduler and self.scheduler.running:
            self.jobs.schedule_sources(new, staged.runtime.source_triggers, self.poll_source)
            if new.levels.expiry_check_s != old.levels.expiry_check_s:
                self.scheduler.reschedule_job("expiry", trigger=staged.runtime.expiry_trigger)
        for kind, channel in staged.runtime.channels.items():
            if kind in self.channels:
                self._retired.append(self.channels[kind])
            self.channels[kind] = channel
        self.outbox.policy = staged.runtime.policy
        self.outbox.reconfigure(
            concurrency=new.outbox.concurrency,
            per_endpoint=new.outbox.per_endpoint,
            lease_s=new.outbox.lease_s,
            heartbeat_s=new.outbox.heartbeat_s,
            idle_poll_s=new.outbox.sweep_interval_s,
        )
        self.outbox.breaker = BreakerPolicy(
            new.outbox.breaker_failures, new.outbox.breaker_cooldown_s
        )

    def degradations(self) -> list[str]:
        """What works less well than configured (for /readyz and the status page)."""
        out = []
        last = self.last_reload
        if last is not None and not last.ok:
            first = last.errors[0] if last.errors else "no reason given"
            more = f" (and {len(last.errors) - 1} more)" if len(last.errors) > 1 else ""
            out.append(
                f"configuration reload refused at {last.at.isoformat(timespec='seconds')} "
                f"({last.trigger}); the previous configuration runs: {first}{more}"
            )
        return out

    def _dispatcher(self) -> Dispatcher:
        return Dispatcher(
            DispatchQueue(self.store.engine),
            router=self.current_router,
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

    async def plan(self, events: Sequence[Event], held: Sequence[Reported] = ()) -> Plan:
        """The notices these changes would make now (grouped per follower, silences and quiet
        hours applied), without the queue: for dry runs and explanations."""
        mutes = await self.services.silences.muting(self.clock())
        return plan_notices(events, held, await self.current_router(), self.renderer, mutes)

    def kick_outbox(self) -> None:
        """New rows of this process: the worker claims now (other replicas hear a NOTIFY)."""
        if self.started:
            self.outbox.wake()

    # --- the pipeline ----------------------------------------------------------------------

    @bound(lambda self, source, *_, **__: {"source": source.id})
    async def poll_source(self, source: SourceBase) -> int:
        """One poll of one source through the pipeline (`SourceRunner.run`): notices queued."""
        return await self.source_runner.run(source)

    @bound(lambda self, doc, *_, **__: {"source": doc.source_id, "document": doc.id})
    async def ingest(
        self, doc: Document, source: SourceBase | None = None, warnings: list[str] | None = None
    ) -> int:
        """Extract, weigh, apply, route and enqueue one document; returns the outbox rows written.

        A document handed in without its source (tests, tools) passes no gate: no confidence
        threshold, and it acts at once as an official source's would. Dates it claims beyond
        the configured skew are clamped (notifier.timebounds); what was changed is logged and
        appended to `warnings`.
        """
        now, skew_s = self.clock(), self.config.extraction.future_skew_s
        doc, clamped = bound_document(doc, fetched_at=now, future_skew_s=skew_s)
        announcements, bounded = bound_announcements(
            await self.extraction.extract(doc),
            fetched_at=now,
            future_skew_s=skew_s,
            document_clamped=bool(clamped),
        )
        for warning in (*clamped, *bounded):
            log.warning("source %s: %s", doc.source_id, warning)
            if warnings is not None:
                warnings.append(warning)
        threshold = source.min_confidence if source else 0.0
        confident = [a for a in announcements if a.confidence >= threshold]
        doubtful = [a for a in announcements if a.confidence < threshold]
        for a in doubtful:
            log.warning(
                "source %s: %s %s %s (confidence %.2f) held for review: %s",
                doc.source_id,
                a.scheme,
                a.area.name,
                a.level,
                a.confidence,
                a.evidence[:120],
            )
        metrics.DOCUMENTS.labels(doc.source_id, "announced" if announcements else "nothing").inc()
        trust = source.trust if source else Trust.OFFICIAL
        source_url = getattr(source, "url", "")
        return await self._apply(
            [Report.of(a, doc, trust, source_url) for a in confident],
            document=doc,
            source_id=doc.source_id,
            reviews=[(announcement_record(a), a.confidence) for a in doubtful],
        )

    async def _apply(
        self,
        reports: Sequence[Report],
        *,
        document: Document | None,
        source_id: str,
        reviews: Sequence[tuple[dict[str, Any], float]] = (),
        expire: bool = False,
        approved: int | None = None,
    ) -> int:
        """Weigh the reports, apply what may act, and commit levels, events, review items, the
        reports ledger and the dispatch queue in one transaction (`approved`: also the report
        of that id if an operator confirmed it). Routing, rendering and the outbox rows happen
        after the lock is released (`dispatch`); returns the outbox rows that pass wrote."""
        transitions: list[Transition] = []
        try:
            async with self._levels_lock, self.store.levels_transaction() as tx:
                now = self.clock()
                version = await tx.version()
                if version != self._levels_version:
                    # Another replica (or a failed commit) changed the levels: read them again.
                    self.book = self.new_book(await tx.states(), await tx.memory())
                before = {(st.scheme, st.area.id): st for st in self.book.states()}
                memory_before = self.book.memory()
                verdicts = [await self.trust.decide(r, tx, now) for r in reports]
                if approved is not None:
                    verdicts += await self.trust.apply_approved(tx, approved, now)
                for v in verdicts:
                    metrics.ANNOUNCEMENTS.labels(v.announcement.scheme, v.announcement.action).inc()
                    metrics.TRUST.labels(v.outcome.value).inc()
                    if v.acts:
                        transitions.extend(v.with_sources(self.book.apply(v.announcement, now)))
                if expire:
                    transitions.extend(self.book.expire(now))
                events = [Event.from_transition(t, now) for t in transitions if t.notifies]
                held = [v.reported for v in verdicts if v.reported is not None]
                after = {(st.scheme, st.area.id): st for st in self.book.states()}
                # Every state that changed, also those a rule changed without a transition.
                writes = [
                    (scheme, area_id, after.get((scheme, area_id)))
                    for scheme, area_id in sorted(before.keys() | after.keys())
                    if before.get((scheme, area_id)) != after.get((scheme, area_id))
                ]
                memory = self.book.memory()
                changed_memory = memory if memory != memory_before else None
                await tx.commit_outcome(
                    source_id=source_id,
                    document=document,
                    level_writes=writes,
                    new_events=events,
                    notices=[],
                    reviews=reviews,
                    level_memory=changed_memory,
                    now=now,
                )
                queued = await enqueue(tx.conn, events, held, now)
                # commit_outcome bumped the version when it wrote levels or memory
                wrote = bool(writes) or changed_memory is not None
                self._levels_version = version + 1 if wrote else version
        except BaseException:
            # The book may be ahead of the database, which rolled back: reload before next use.
            self._levels_version = -1
            raise
        for t in transitions:
            metrics.TRANSITIONS.labels(t.kind.value).inc()
            self._report(t, document)
        for r in held:
            self._report_held(r)
        if not queued:
            return 0
        if self.started:
            self.dispatcher.wake()  # the background pass also picks up a group not yet due
        return await self.dispatch()

    async def _load_book(self) -> LevelBook:
        async with self.store.levels_transaction() as tx:
            self._levels_version = await tx.version()
            return self.new_book(await tx.states(), await tx.memory())

    def new_book(self, states: Sequence[LevelState], memory: dict[str, Any] | None) -> LevelBook:
        return LevelBook(
            self.catalog,
            self.catalog,
            flap_window_s=self.config.levels.flap_window_s,
            states=states,
            memory=memory,
        )

    def notice_for(self, event: Event, follower: Recipient, did: str) -> Notice:
        """The rendered notice of one follower outside the dispatcher (a new subscriber told
        the level in force); quiet hours hold an SMS below extreme."""
        notice = self.renderer.render(event, follower, delivery_id=did)
        quiet = getattr(follower, "quiet_hours", None)
        if quiet is not None and event.severity is not Severity.EXTREME:
            notice = replace(notice, not_before=quiet.ends_after(event.created))
        return notice

    def _singleton_jobs(self) -> list[SingletonJob]:
        """The jobs one replica at a time runs, with intervals from the configuration in force."""
        return [
            SingletonJob(
                "expiry", lambda: float(self.config.levels.expiry_check_s), self.expire_levels
            ),
            SingletonJob("review", lambda: REVIEW_EVERY_S, self.apply_approved),
            SingletonJob(
                "retention", lambda: float(self.config.retention.interval_s), self.purge_history
            ),
        ]

    async def run_singleton(self, job: str) -> int | None:
        """Run `job` if this replica holds its lease; None when another replica does."""
        return await self.jobs.run_singleton(job)

    async def purge_history(self) -> int:
        """Delete history older than the `retention:` ages; rows deleted."""
        r = self.config.retention
        queued = 0
        if r.events_s is not None:
            before = self.clock() - timedelta(seconds=r.events_s)
            queue = DispatchQueue(self.store.engine)
            queued = await queue.purge(before=before, batch=r.batch)
        deleted = await self.store.purge(
            now=self.clock(),
            documents_s=r.documents_s,
            events_s=r.events_s,
            deliveries_s=r.deliveries_s,
            reports_s=r.reports_s,
            batch=r.batch,
        )
        if any(deleted.values()):
            log.info(
                "retention: deleted %s",
                ", ".join(f"{n} {kind}" for kind, n in deleted.items() if n),
            )
        return sum(deleted.values()) + queued

    async def expire_levels(self) -> int:
        return await self._apply([], document=None, source_id="", expire=True)

    async def apply_approved(self) -> int:
        """Apply what operators confirmed: review items (`notifier review approve ID`) and
        unconfirmed reports (`notifier reports confirm ID`)."""
        total = 0
        for report in await self.store.reports("approved"):
            try:
                total += await self._apply([], document=None, source_id="", approved=report.id)
            except Exception as exc:
                # It stays approved (applied once the catalog knows it); the others go on.
                log.error("report %d cannot be applied: %s: %s", report.id, type(exc).__name__, exc)
                continue
            log.info("report %d confirmed by an operator and applied", report.id)
        for item in await self.store.review_items("approved"):
            try:
                announcement = announcement_from_record(item.announcement)
                source = next((s for s in self.config.sources if s.id == item.source_id), None)
                confirmed = Report.confirmed_by_operator(
                    announcement,
                    source_id=item.source_id,
                    document_id=item.document_id,
                    trust=source.trust if source else Trust.OFFICIAL,
                )
                total += await self._apply([confirmed], document=None, source_id=item.source_id)
            except Exception as exc:
                # It stays approved (applied once the catalog knows it); the others go on.
                log.error(
                    "review item %d cannot be applied: %s: %s", item.id, type(exc).__name__, exc
                )
                continue
            await self.store.decide_review(item.id, "applied", self.clock(), from_status="approved")
            log.info("review item %d applied: %s", item.id, announcement.evidence[:120])
        return total

    # --- reporting -------------------------------------------------------------------------

    async def source_reports(self) -> list[dict[str, Any]]:
        """Each configured source's report (status, last error, failed documents)."""
        rows = {r.source_id: r for r in await self.store.source_rows()}
        now = self.clock()
        return [source_report(s, rows.get(s.id), now) for s in self.config.sources]

    def _report(self, t: Transition, doc: Document | None) -> None:
        where = f"[{t.source_id or 'timer'}] " if t.source_id else "[timer] "
        level = f"{t.level} ({t.severity})" if t.level else f"no level (was {t.previous_level})"
        if t.notifies:
            self.echo(f"{where}{t.area.name}: {level} — {t.kind.value}  ({t.scheme})")
        else:
            log.info("%s%s: %s unchanged (%s)", where, t.area.name, level, t.scheme)

    def _report_held(self, r: Reported) -> None:
        a = r.announcement
        self.echo(
            f"[{r.source.source_id}] {a.area.name}: {a.action.value} {a.level or ''} — "
            f"unconfirmed report #{r.report_id}, needs {r.needs}  ({a.scheme})"
        )

    def _on_delivery(self, row: Delivery, result: DeliveryResult, status: str) -> None:
        if result.opted_out or result.disable_endpoint:
            self.router.block(row.subscriber_id, result.reason)
        if row.channel == ChannelKind.WEBHOOK.value:
            verb = {"sent": "delivered", "pending": "will retry", "dead": "gave up"}[status]
            self.echo(f"[webhook → {row.subscriber_id}] {verb} {row.id}: {result.reason or 'ok'}")


def _trust_policy(config: Config, catalog: Catalog) -> TrustPolicy:
    return TrustPolicy(config.trust, nationwide=partial(covers_a_country, catalog))


def _source_triggers(config: Config) -> dict[str, IntervalTrigger]:
    """The polling trigger of every enabled source, built up front: a value a trigger cannot
    take fails here, before any job is touched."""
    return {
        source.id: IntervalTrigger(seconds=source.interval_s, jitter=source.jitter_s)
        for source in config.sources
        if source.enabled
    }
