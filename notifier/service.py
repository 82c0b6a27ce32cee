"""Wiring and lifecycle: the pipeline in one place.

    source --poll--> documents --extract--> announcements --LevelBook.apply--> transitions
      --Event--> route --> render --> outbox (durable) --claim--> channel --> recorded result

`Service` owns the store, the scheduler jobs (one per source, the outbox sweep, the expiry
timer, housekeeping), the shared aiohttp session and the HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import ValidationError

from notifier import __version__, metrics
from notifier.channels.twilio_sms import TwilioSmsChannel
from notifier.channels.webhook import WebhookChannel
from notifier.clock import Clock, system_clock
from notifier.config import Config, SmsSubscriber, SourceBase, iter_followers, load_config
from notifier.dispatch.outbox import (
    BreakerPolicy,
    Channel,
    OutboxWorker,
    RetryPolicy,
    worker_name,
)
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router
from notifier.errors import ConfigError
from notifier.extract import Catalog, Extractor
from notifier.levels import LevelBook
from notifier.model import (
    Action,
    Announcement,
    AreaRef,
    ChannelKind,
    DeliveryResult,
    Document,
    Event,
    LevelState,
    Notice,
    Severity,
    Transition,
)
from notifier.sources import SourcePoller, SourceState
from notifier.store import Delivery, Store, delivery_id

log = logging.getLogger("notifier")

USER_AGENT = f"notifier/{__version__} (+https://github.com/notifier/notifier)"


def load_catalog(config: Config) -> Catalog:
    """Load schemes and areas and check that every follower's areas exist."""
    catalog = Catalog.load(
        config.resolve(config.catalog.schemes), config.resolve(config.catalog.areas)
    )
    errors = []
    for group, items in (("subscribers", config.subscribers), ("webhooks", config.webhooks)):
        for i, follower in enumerate(items):
            for j, area in enumerate(follower.areas):
                if catalog.area(area) is None:
                    errors.append(f"{group}[{i}].areas[{j}]: unknown area id {area!r}")
    if errors:
        raise ConfigError(errors, "")
    return catalog


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
    ) -> None:
        """`config_file` (with the overrides the command line gave) enables reload on change."""
        self.config = config
        self.clock = clock
        self.echo = echo or (lambda line: print(line, flush=True))
        self.rng = rng
        self.start_scheduler = start_scheduler
        self.config_file = config_file
        self.config_overrides = dict(config_overrides or {})
        self.catalog = load_catalog(config)
        self.extractor = Extractor(self.catalog)
        self.renderer = _renderer(config, self.catalog)
        self._levels_lock = asyncio.Lock()
        self._levels_version = -1  # of the book in memory; -1: read it from the database
        self._tasks: list[asyncio.Task[Any]] = []
        self._retired: list[Channel] = []
        self._fingerprint = _fingerprint(config, config_file)
        self.name = worker_name()  # this replica, as lease holder
        self.started = False

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
            await self._close_partial()
            raise

    async def _close_partial(self) -> None:
        for name in ("sms", "session", "store"):
            resource = self.__dict__.pop(name, None)
            if resource is None:
                continue
            with contextlib.suppress(Exception):
                await (resource.aclose() if name == "sms" else resource.close())

    async def _start(self) -> None:
        config = self.config
        self.store = await Store.open(config.database_url)
        if self.store.dialect == "sqlite":
            released = await self.store.release_all_claims(self.clock())
            if released:
                log.info(
                    "outbox: %d deliveries left unfinished by the last run will be retried",
                    released,
                )
        self.book = await self._load_book()
        self.session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        self.poller = SourcePoller(self.session, clock=self.clock, rng=self.rng)
        await self.refresh_router()
        self.sms = TwilioSmsChannel(config.twilio, echo=self.echo)
        await self.sms.start()
        self.channels: dict[ChannelKind, Channel] = {
            ChannelKind.TWILIO_SMS: self.sms,
            ChannelKind.WEBHOOK: self._webhook_channel(config),
        }
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
        self.scheduler = AsyncIOScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        if self.start_scheduler:
            self._schedule_sources(config)
            self.scheduler.add_job(
                self.expire_levels, "interval", seconds=config.levels.expiry_check_s, id="expiry"
            )
            self.scheduler.add_job(self.apply_approved, "interval", seconds=5, id="review")
            if self.config_file is not None:
                self.scheduler.add_job(self.reload_if_changed, "interval", seconds=2, id="reload")
            self.scheduler.start()
            self._tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        self.started = True

    async def stop(self) -> None:
        """Stop polling, let deliveries in flight finish (briefly), release the rest."""
        if not self.started:
            return
        self.started = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.outbox.aclose(grace_s=5.0)
        for source in self.config.sources:
            await self.store.release_lease(source.id, self.name)
        for channel in (self.sms, *self._retired):
            await channel.aclose()
        await self.session.close()
        await self.store.close()

    async def refresh_router(self) -> None:
        """Rebuild who hears what: the YAML's followers plus those who joined by SMS."""
        self.router = Router(
            [*iter_followers(self.config), *await self.sms_members()],
            self.catalog.contains,
            blocked=await self.store.blocked_subscribers(),
        )

    async def router_changed(self) -> None:
        """Subscriptions changed (JOIN / LEAVE): route the next event with the new list."""
        async with self._levels_lock:
            await self.refresh_router()

    async def sms_members(self) -> list[SmsSubscriber]:
        """People who texted JOIN <area>, as subscribers with the id `member_id(phone)`."""
        by_phone: dict[str, tuple[list[str], str]] = {}
        for phone, area_id, language in await self.store.sms_subscriptions():
            if self.catalog.area(area_id) is not None:  # an area the catalog no longer has
                by_phone.setdefault(phone, ([], language))[0].append(area_id)
        members = []
        for phone, (areas, language) in by_phone.items():
            try:
                members.append(
                    SmsSubscriber(id=member_id(phone), phone=phone, areas=areas, language=language)
                )
            except ValidationError:
                # One stored number the phone rules now reject must not stop routing for all.
                log.warning("SMS subscription of %s skipped: not a valid phone number", phone)
        return members

    def _schedule_sources(self, config: Config) -> None:
        for job in self.scheduler.get_jobs():
            if job.id.startswith("source:"):
                job.remove()
        for source in config.sources:
            if source.enabled:
                self.scheduler.add_job(
                    self.poll_source,
                    "interval",
                    seconds=source.interval_s,
                    jitter=source.jitter_s,
                    args=[source],
                    id=f"source:{source.id}",
                    next_run_time=self.clock(),
                )

    def _webhook_channel(self, config: Config) -> WebhookChannel:
        endpoints = {w.id: w for w in config.webhooks}
        return WebhookChannel(self.session, endpoints, clock=self.clock)

    def _retry_policy(self, config: Config) -> RetryPolicy:
        ob = config.outbox
        return RetryPolicy(tuple(ob.retry_schedule_s), ob.max_attempts, ob.jitter_ratio, self.rng)

    # --- reloading the configuration -------------------------------------------------------

    async def reload_if_changed(self) -> bool:
        """Reload when the config file or a catalog/template file changed since last look."""
        if self.config_file is None:
            return False
        fingerprint = _fingerprint(self.config, self.config_file)
        if fingerprint == self._fingerprint:
            return False
        self._fingerprint = fingerprint
        return await self.reload()

    async def reload(self) -> bool:
        """Swap in the file's configuration atomically; an invalid file changes nothing.

        Sources, subscribers, webhooks, Twilio, templates, catalogs, outbox and level settings
        take effect at once; storage, server and data_dir need a restart (a warning says so).
        """
        if self.config_file is None:
            return False
        try:
            new = load_config(self.config_file, overrides=self.config_overrides)
            catalog = load_catalog(new)
            renderer = _renderer(new, catalog)
            _check_levels_known(catalog, self.book.states())
        except ConfigError as exc:
            log.error(
                "configuration reload refused, the running one stays: %s",
                "; ".join(exc.errors),
            )
            return False
        old = self.config
        for part in ("storage", "server", "data_dir"):
            if getattr(new, part) != getattr(old, part):
                log.warning("configuration: %s changed; it takes effect after a restart", part)
        new = new.model_copy(
            update={"storage": old.storage, "server": old.server, "data_dir": old.data_dir}
        )
        async with self._levels_lock:
            self.config, self.catalog, self.renderer = new, catalog, renderer
            self.extractor = Extractor(catalog)
            self.book = self.new_book(self.book.states(), self.book.memory())
            await self.refresh_router()
        if new.twilio != old.twilio:
            sms = TwilioSmsChannel(new.twilio, echo=self.echo)
            await sms.start()
            self._retired.append(self.sms)
            self.sms = sms
            self.channels[ChannelKind.TWILIO_SMS] = sms
        self.channels[ChannelKind.WEBHOOK] = self._webhook_channel(new)
        self.outbox.policy = self._retry_policy(new)
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
        if self.start_scheduler and self.scheduler.running:
            self._schedule_sources(new)
            if new.levels.expiry_check_s != old.levels.expiry_check_s:
                self.scheduler.reschedule_job(
                    "expiry", trigger="interval", seconds=new.levels.expiry_check_s
                )
        log.info(
            "configuration reloaded: %d sources, %d SMS subscribers, %d webhooks",
            len(new.sources),
            len(new.subscribers),
            len(new.webhooks),
        )
        return True

    def kick_outbox(self) -> None:
        """New rows of this process: the worker claims now (other replicas hear a NOTIFY)."""
        if self.started:
            self.outbox.wake()

    # --- the pipeline ----------------------------------------------------------------------

    async def poll_source(self, source: SourceBase) -> int:
        """One poll: fetch, keep the unseen documents, run each through the pipeline.

        The source's state (ETag, file marks …) is saved only after its documents are
        committed, so a crash in between makes the next poll read them again; the store's
        record of seen documents keeps that from notifying twice.
        """
        lease_s = max(2 * source.interval_s, 60.0)
        if not await self.store.take_lease(source.id, self.name, now=self.clock(), ttl_s=lease_s):
            log.debug("source %s: polled by another replica", source.id)
            return 0
        row = await self.store.source_row(source.id)
        state = SourceState.from_json(row.state) if row else SourceState()
        result = await self.poller.poll(source, state, base_dir=self.config.base_dir)
        if result.skipped:
            return 0
        metrics.POLLS.labels(source.id, "error" if result.error else "ok").inc()
        baseline = source.baseline and not (row and row.baseline_done)
        new = await self.store.unseen(source.id, result.documents)
        result.state.record_new(len(new), self.clock())
        notified = 0
        failed = 0
        if baseline and not result.error:
            await self.store.mark_seen(source.id, new, self.clock())
            log.info(
                "source %s: first poll, %d documents recorded as the baseline; nobody notified",
                source.id,
                len(new),
            )
            metrics.DOCUMENTS.labels(source.id, "baseline").inc(len(new))
        else:
            for doc in new:
                try:
                    notified += await self.ingest(doc, source)
                except Exception:
                    # Nothing of it was committed; the others go on, and keeping the old
                    # state makes the next poll read this one again.
                    log.exception(
                        "source %s: document %s failed; it is read again next poll",
                        source.id,
                        doc.id,
                    )
                    metrics.DOCUMENTS.labels(source.id, "failed").inc()
                    failed += 1
        if failed:
            return notified
        await self.store.save_source_state(
            source.id,
            result.state.to_json(),
            baseline_done=bool(row and row.baseline_done) or not result.error,
            now=self.clock(),
        )
        return notified

    async def ingest(self, doc: Document, source: SourceBase | None = None) -> int:
        """Extract, apply, route and enqueue one document; returns the outbox rows written."""
        announcements = self.extractor.extract(doc)
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
        return await self._apply(
            confident,
            document=doc,
            source_id=doc.source_id,
            reviews=[(_announcement_record(a), a.confidence) for a in doubtful],
        )

    async def _apply(
        self,
        announcements: Sequence[Announcement],
        *,
        document: Document | None,
        source_id: str,
        reviews: Sequence[tuple[dict[str, Any], float]] = (),
        expire: bool = False,
    ) -> int:
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
                for a in announcements:
                    metrics.ANNOUNCEMENTS.labels(a.scheme, a.action.value).inc()
                    transitions.extend(self.book.apply(a, now))
                if expire:
                    transitions.extend(self.book.expire(now))
                events = [Event.from_transition(t, now) for t in transitions if t.notifies]
                notices = [n for ev in events for n in self._notices(ev)]
                after = {(st.scheme, st.area.id): st for st in self.book.states()}
                # Every state that changed, also those a rule changed without a transition.
                writes = [
                    (scheme, area_id, after.get((scheme, area_id)))
                    for scheme, area_id in sorted(before.keys() | after.keys())
                    if before.get((scheme, area_id)) != after.get((scheme, area_id))
                ]
                memory = self.book.memory()
                changed_memory = memory if memory != memory_before else None
                inserted = await tx.commit_outcome(
                    source_id=source_id,
                    document=document,
                    level_writes=writes,
                    new_events=events,
                    notices=notices,
                    reviews=reviews,
                    level_memory=changed_memory,
                    now=now,
                )
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
        if inserted:
            self.kick_outbox()
        return inserted

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

    def _notices(self, event: Event) -> list[Notice]:
        out = []
        for follower, channel in self.router.route(event):
            did = delivery_id(event.id, follower.id, channel.value)
            notice = self.renderer.render(event, follower, delivery_id=did)
            quiet = getattr(follower, "quiet_hours", None)
            if quiet is not None and event.severity is not Severity.EXTREME:
                notice = replace(notice, not_before=quiet.ends_after(event.created))
            out.append(notice)
        return out

    async def expire_levels(self) -> int:
        return await self._apply([], document=None, source_id="", expire=True)

    async def apply_approved(self) -> int:
        """Apply review items an operator approved (`notifier review approve ID`)."""
        total = 0
        for item in await self.store.review_items("approved"):
            try:
                announcement = _announcement_from_record(item.announcement)
                total += await self._apply([announcement], document=None, source_id=item.source_id)
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

    def _report(self, t: Transition, doc: Document | None) -> None:
        where = f"[{t.source_id or 'timer'}] " if t.source_id else "[timer] "
        level = f"{t.level} ({t.severity})" if t.level else f"no level (was {t.previous_level})"
        if t.notifies:
            self.echo(f"{where}{t.area.name}: {level} — {t.kind.value}  ({t.scheme})")
        else:
            log.info("%s%s: %s unchanged (%s)", where, t.area.name, level, t.scheme)

    def _on_delivery(self, row: Delivery, result: DeliveryResult, status: str) -> None:
        if result.opted_out or result.disable_endpoint:
            self.router.block(row.subscriber_id, result.reason)
        if row.channel == ChannelKind.WEBHOOK.value:
            verb = {"sent": "delivered", "pending": "will retry", "dead": "gave up"}[status]
            self.echo(f"[webhook → {row.subscriber_id}] {verb} {row.id}: {result.reason or 'ok'}")


def member_id(phone: str) -> str:
    """The subscriber id of someone who joined by SMS: sms:77012345678."""
    return "sms:" + phone.lstrip("+")


def _check_levels_known(catalog: Catalog, states: Sequence[LevelState]) -> None:
    """A catalog that no longer knows a level in force would break every update of its area."""
    errors = []
    for state in states:
        scheme = catalog.schemes.get(state.scheme)
        if scheme is None:
            errors.append(f"scheme {state.scheme!r} is gone but {state.area.id} is at its level")
        elif scheme.level(state.level) is None:
            errors.append(
                f"level {state.level!r} of scheme {state.scheme!r} is gone but "
                f"{state.area.id} is at it (lift it first, or keep the level)"
            )
    if errors:
        raise ConfigError(errors, "")


def _renderer(config: Config, catalog: Catalog) -> Renderer:
    return Renderer(config.templates, base_dir=config.base_dir, area_name=catalog.area_name)


def _fingerprint(config: Config, config_file: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the files the configuration is made of."""
    paths: list[Path] = [config_file] if config_file else []
    folders = [config.resolve(config.catalog.schemes), config.resolve(config.catalog.areas)]
    if config.templates.dir is not None:
        folders.append(config.resolve(config.templates.dir))
    for folder in folders:
        if folder.is_dir():
            paths.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    marks = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        marks.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(marks)


def _announcement_record(a: Announcement) -> dict[str, Any]:
    record = asdict(a)
    for key, value in record.items():
        if isinstance(value, datetime):
            record[key] = value.isoformat()
    return record


def _announcement_from_record(record: dict[str, Any]) -> Announcement:
    data = dict(record)
    data["area"] = AreaRef(**data["area"])
    data["action"] = Action(data["action"])
    data["severity"] = Severity(data["severity"]) if data.get("severity") else None
    data["references"] = tuple(data.get("references") or ())
    for key in ("effective", "expires", "published"):
        if data.get(key):
            data[key] = datetime.fromisoformat(data[key])
    return Announcement(**data)
