"""The dispatcher: from committed events to outbox rows, outside the levels lock.

    levels transaction --enqueue--> dispatch queue --Dispatcher.dispatch_due--> outbox rows

One door in: `dispatch_due()` (run after each levels commit, by `run()` when woken or when a
group comes due, and by NOTIFY from any replica on PostgreSQL). One door out: the outbox rows
it writes, and `on_written` to wake the outbox worker.

A group is the events of one levels transaction (one document), plus those of documents that
arrive within `dispatch.group_wait_s` of the first undispatched one; an extreme change makes
its group due at once. Each follower gets ONE notice per channel listing every change of the
group routed to them (`plan_notices`), with a delivery id derived from those events, the
follower and the channel. The rows are written with ON CONFLICT DO NOTHING in chunks, each
sendable once committed, and the group is marked dispatched with the last chunk: a dispatcher
that dies midway leaves the group to the next pass (after its lease on PostgreSQL), which
writes the missing rows, and dispatching twice writes nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from notifier.config import SmsSubscriber, WebhookEndpoint
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router, channel_of
from notifier.model import ChannelKind, Event, Notice, Reported, Severity
from notifier.store import delivery_id
from notifier.store.queue import DispatchQueue, Queued

log = logging.getLogger(__name__)

LEASE_S = 60.0  # a claimed group is its dispatcher's for this long
IDLE_S = 5.0  # longest wait between looks at the queue when nothing woke the dispatcher


class Silence(Protocol):
    @property
    def id(self) -> int: ...


class Mutes(Protocol):
    """The silences in force (notifier.app.silences.Muting)."""

    def silence_for(
        self, subscriber_id: str, area_id: str, severity: Severity | None, owner: str = ""
    ) -> Silence | None: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """The notices a group makes, and who a silence kept from hearing of it."""

    notices: list[Notice]
    muted: list[tuple[str, int]]  # (subscriber id, silence id)


def group_delivery_id(event_ids: Sequence[str], subscriber_id: str, channel: str) -> str:
    """The outbox key of a notice listing `event_ids`: one event keeps the key it always had."""
    key = event_ids[0] if len(event_ids) == 1 else "+".join(sorted(event_ids))
    return delivery_id(key, subscriber_id, channel)


def plan_notices(
    events: Sequence[Event],
    held: Sequence[Reported],
    router: Router,
    renderer: Renderer,
    mutes: Mutes | None = None,
) -> Plan:
    """Route every change, drop what a silence mutes, and render one notice per follower and
    channel listing the changes that reached them. Quiet hours hold a notice until they end,
    unless it lists an extreme change. Also what `notifier simulate`, the announcement dry run
    and the explanation call: no database."""
    per_follower: dict[tuple[str, str], tuple[SmsSubscriber | WebhookEndpoint, list[Event]]] = {}
    muted: dict[str, int] = {}
    for ev in events:
        area_id = ev.transition.area.id
        for follower, channel in router.route(ev):
            owner = router.owner(follower.id)  # a subscriber's silence mutes all its contacts
            silence = mutes.silence_for(follower.id, area_id, ev.severity, owner) if mutes else None
            if silence is not None:
                muted.setdefault(follower.id, silence.id)
                continue
            per_follower.setdefault((follower.id, channel), (follower, []))[1].append(ev)
    notices = [
        _quiet(follower, renderer.render_group(evs, follower, delivery_id=_id(evs, follower)), evs)
        for follower, evs in per_follower.values()
    ]
    for r in held:
        a = r.announcement
        for endpoint in router.route_report(r):
            owner = router.owner(endpoint.id)
            silence = (
                mutes.silence_for(endpoint.id, a.area.id, a.severity, owner) if mutes else None
            )
            if silence is not None:
                muted.setdefault(endpoint.id, silence.id)
                continue
            did = delivery_id(r.id, endpoint.id, ChannelKind.WEBHOOK.value)
            notices.append(renderer.render_report(r, endpoint, delivery_id=did))
    return Plan(notices, sorted(muted.items()))


def _id(events: Sequence[Event], follower: SmsSubscriber | WebhookEndpoint) -> str:
    return group_delivery_id([ev.id for ev in events], follower.id, channel_of(follower))


def _quiet(
    follower: SmsSubscriber | WebhookEndpoint, notice: Notice, events: Iterable[Event]
) -> Notice:
    # A kind without quiet hours has no such field: asking a pydantic model for a missing
    # attribute raises and formats an error, once per notice of a 10,000-follower fan-out.
    fields = type(follower).model_fields
    quiet = getattr(follower, "quiet_hours", None) if "quiet_hours" in fields else None
    evs = list(events)
    if quiet is None or any(ev.severity is Severity.EXTREME for ev in evs):
        return notice
    return replace(notice, not_before=quiet.ends_after(max(ev.created for ev in evs)))


class Dispatcher:
    """Claims due groups from the dispatch queue and writes their outbox rows."""

    def __init__(
        self,
        queue: DispatchQueue,
        *,
        router: Callable[[], Awaitable[Router]],
        renderer: Callable[[], Renderer],
        mutes: Callable[[datetime], Awaitable[Mutes]],
        group_wait_s: Callable[[], float],
        clock: Callable[[], datetime],
        worker: str,
        on_written: Callable[[], None] = lambda: None,
        listen: Callable[[Callable[[], None]], Coroutine[Any, Any, None]] | None = None,
        lease_s: float = LEASE_S,
        idle_s: float = IDLE_S,
    ) -> None:
        self.queue = queue
        self._router = router
        self._renderer = renderer
        self._mutes = mutes
        self._group_wait_s = group_wait_s
        self.clock = clock
        self.worker = worker
        self._on_written = on_written
        self._listen = listen
        self.lease_s = lease_s
        self.idle_s = idle_s
        self.next_due: datetime | None = None
        self._lock = asyncio.Lock()  # one pass at a time in this process
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Events were committed (here or, via NOTIFY, on another replica): look now."""
        self._woken.set()

    async def dispatch_due(self) -> int:
        """Dispatch every group that is due; returns the outbox rows written."""
        written = 0
        async with self._lock:
            while True:
                now = self.clock()
                claim = await self.queue.claim_group(
                    worker=self.worker,
                    now=now,
                    group_wait_s=self._group_wait_s(),
                    lease_s=self.lease_s,
                )
                self.next_due = claim.next_due
                if not claim.group:
                    break
                try:
                    notices = await self._plan(claim.group, now)
                    written += await self.queue.finish(
                        claim.group,
                        notices,
                        worker=self.worker,
                        now=now,
                        on_written=self._on_written,  # the outbox sends the first chunk now
                    )
                except BaseException:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(self.queue.release(claim.group, self.worker))
                    raise
        return written

    async def _plan(self, group: Sequence[Queued], now: datetime) -> list[Notice]:
        events = [q.event for q in group if q.event is not None]
        held = [q.reported for q in group if q.reported is not None]
        router = await self._router()
        plan = plan_notices(events, held, router, self._renderer(), await self._mutes(now))
        if len(events) > 1:
            log.info("dispatch: %d changes grouped into %d notices", len(events), len(plan.notices))
        return plan.notices

    async def run(self) -> None:
        """Dispatch whenever woken, when a group comes due, and every `idle_s` regardless."""
        listener: asyncio.Task[None] | None = (
            asyncio.create_task(self._listen(self.wake), name="dispatch listen")
            if self._listen is not None
            else None
        )
        try:
            while True:
                self._woken.clear()
                try:
                    await self.dispatch_due()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("dispatch: a pass failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), self._delay())
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

    def _delay(self) -> float:
        if self.next_due is None:
            return self.idle_s
        wait = (self.next_due - self.clock()).total_seconds()
        return min(max(wait, 0.05), self.idle_s)
