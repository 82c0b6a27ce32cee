"""The apply stage: reports weighed by trust, applied to the levels, committed in one go.

One door in, `Applier.apply(reports, …)` (a document's reports, an operator's announcement,
the expiry timer, what operators confirmed); one door out, the `queued()` the service wires
to the dispatcher, called when the transaction queued events. Levels, events, review items,
the reports ledger and the dispatch queue are committed in one transaction under the levels
lock (in memory and in the database); routing, rendering and the outbox rows happen after
the lock is released.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from notifier import metrics
from notifier.config import Config
from notifier.extract import Catalog
from notifier.levels import LevelBook
from notifier.model import Document, Event, LevelState, Reported, Transition, Trust
from notifier.store import Store
from notifier.store.queue import enqueue
from notifier.trust import (
    Report,
    TrustPolicy,
    announcement_from_record,
    covers_a_country,
)

__all__ = ["Applier", "trust_policy"]

log = logging.getLogger("notifier")


def trust_policy(config: Config, catalog: Catalog) -> TrustPolicy:
    return TrustPolicy(config.trust, nationwide=partial(covers_a_country, catalog))


class Applier:
    """Holds this replica's copy of the levels (`book`) and the trust policy in force."""

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        config: Callable[[], Config],
        catalog: Callable[[], Catalog],
        clock: Callable[[], datetime],
        echo: Callable[[str], None],
        queued: Callable[[], Awaitable[int]],
    ) -> None:
        self._store = store
        self._config = config
        self._catalog = catalog
        self._clock = clock
        self._echo = echo
        self._queued = queued
        self.lock = asyncio.Lock()
        self.version = -1  # of the book in memory; -1: read it from the database
        self.trust = trust_policy(config(), catalog())
        self.book: LevelBook  # set by `load`

    def new_book(self, states: Sequence[LevelState], memory: dict[str, Any] | None) -> LevelBook:
        catalog = self._catalog()
        return LevelBook(
            catalog,
            catalog,
            flap_window_s=self._config().levels.flap_window_s,
            states=states,
            memory=memory,
        )

    async def load(self) -> LevelBook:
        """Read the levels from the database (at start)."""
        async with self._store().levels_transaction() as tx:
            self.version = await tx.version()
            self.book = self.new_book(await tx.states(), await tx.memory())
        return self.book

    def reconfigure(self) -> None:
        """A new configuration is in force (its catalog, its trust settings); the caller
        holds `lock`."""
        self.trust = trust_policy(self._config(), self._catalog())
        self.book = self.new_book(self.book.states(), self.book.memory())

    async def apply(
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
        of that id if an operator confirmed it). Returns the outbox rows `queued()` wrote."""
        transitions: list[Transition] = []
        try:
            async with self.lock, self._store().levels_transaction() as tx:
                now = self._clock()
                version = await tx.version()
                if version != self.version:
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
                self.version = version + 1 if wrote else version
        except BaseException:
            # The book may be ahead of the database, which rolled back: reload before next use.
            self.version = -1
            raise
        for t in transitions:
            metrics.TRANSITIONS.labels(t.kind.value).inc()
            self._report(t)
        for r in held:
            self._report_held(r)
        if not queued:
            return 0
        return await self._queued()

    async def expire(self) -> int:
        """Lift the levels whose time ran out (the `expiry` job)."""
        return await self.apply([], document=None, source_id="", expire=True)

    async def apply_approved(self) -> int:
        """Apply what operators confirmed: review items (`notifier review approve ID`) and
        unconfirmed reports (`notifier reports confirm ID`)."""
        store = self._store()
        total = 0
        for report in await store.reports("approved"):
            try:
                total += await self.apply([], document=None, source_id="", approved=report.id)
            except Exception as exc:
                # It stays approved (applied once the catalog knows it); the others go on.
                log.error("report %d cannot be applied: %s: %s", report.id, type(exc).__name__, exc)
                continue
            log.info("report %d confirmed by an operator and applied", report.id)
        for item in await store.review_items("approved"):
            try:
                announcement = announcement_from_record(item.announcement)
                source = next((s for s in self._config().sources if s.id == item.source_id), None)
                confirmed = Report.confirmed_by_operator(
                    announcement,
                    source_id=item.source_id,
                    document_id=item.document_id,
                    trust=source.trust if source else Trust.OFFICIAL,
                )
                total += await self.apply([confirmed], document=None, source_id=item.source_id)
            except Exception as exc:
                # It stays approved (applied once the catalog knows it); the others go on.
                log.error(
                    "review item %d cannot be applied: %s: %s", item.id, type(exc).__name__, exc
                )
                continue
            await store.decide_review(item.id, "applied", self._clock(), from_status="approved")
            log.info("review item %d applied: %s", item.id, announcement.evidence[:120])
        return total

    def _report(self, t: Transition) -> None:
        where = f"[{t.source_id or 'timer'}] " if t.source_id else "[timer] "
        level = f"{t.level} ({t.severity})" if t.level else f"no level (was {t.previous_level})"
        if t.notifies:
            self._echo(f"{where}{t.area.name}: {level} — {t.kind.value}  ({t.scheme})")
        else:
            log.info("%s%s: %s unchanged (%s)", where, t.area.name, level, t.scheme)

    def _report_held(self, r: Reported) -> None:
        a = r.announcement
        self._echo(
            f"[{r.source.source_id}] {a.area.name}: {a.action.value} {a.level or ''} — "
            f"unconfirmed report #{r.report_id}, needs {r.needs}  ({a.scheme})"
        )
