"""The dispatch stage as the service runs it: events the apply stage queued become outbox rows.

One door in, `queued()` (the apply stage committed events: write the due groups now, wake the
background pass for the rest), and `dispatch()` for a pass on demand (start-up, a command-line
client, tests); one door out, `on_written` (new outbox rows: the outbox worker claims them).
The `Dispatcher` itself is built from callables read at each use, so a reload's router,
renderer and group wait are what the next pass sees, and the store is the one `start` opened.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from notifier.dispatch.dispatcher import Dispatcher, Mutes
from notifier.dispatch.render import Renderer
from notifier.dispatch.route import Router
from notifier.store import Store
from notifier.store.queue import DISPATCH_CHANNEL, DispatchQueue

__all__ = ["Dispatching"]

log = logging.getLogger("notifier")


class Dispatching:
    def __init__(
        self,
        *,
        store: Callable[[], Store],
        router: Callable[[], Awaitable[Router]],
        renderer: Callable[[], Renderer],
        mutes: Callable[[datetime], Awaitable[Mutes]],
        group_wait_s: Callable[[], float],
        clock: Callable[[], datetime],
        worker: str,
        on_written: Callable[[], None],
    ) -> None:
        self._store, self._router, self._renderer, self._mutes = store, router, renderer, mutes
        self._group_wait_s, self._clock, self._worker = group_wait_s, clock, worker
        self._on_written = on_written
        self._dispatcher: Dispatcher | None = None
        self.running = False  # the background pass runs (`run`): `queued` wakes it

    @property
    def dispatcher(self) -> Dispatcher:
        """Built at first use, over the store opened by then."""
        if self._dispatcher is None:
            self._dispatcher = self.build()
        return self._dispatcher

    @dispatcher.setter
    def dispatcher(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def build(self) -> Dispatcher:
        store = self._store()
        return Dispatcher(
            DispatchQueue(store.engine),
            router=self._router,
            renderer=self._renderer,
            mutes=self._mutes,
            group_wait_s=self._group_wait_s,
            clock=self._clock,
            worker=self._worker,
            on_written=self._on_written,
            listen=partial(store.listen_outbox, channel=DISPATCH_CHANNEL),
        )

    async def run(self) -> None:
        """The background pass: every group as it comes due (until cancelled)."""
        self.running = True
        try:
            await self.dispatcher.run()
        finally:
            self.running = False

    async def dispatch(self) -> int:
        """Write the outbox rows of every due group now; returns the rows written. A failure
        is logged, not raised: the events are committed and the next pass takes them.
        A service that was not started (a command-line client) dispatches too: the rows it
        writes are the running service's to send."""
        try:
            return await self.dispatcher.dispatch_due()
        except Exception:
            log.exception("dispatch: writing outbox rows failed; the next pass tries again")
            return 0

    async def queued(self) -> int:
        """The apply stage queued events: the background pass also picks up a group not yet
        due, this one writes what is due now."""
        if self.running:
            self.dispatcher.wake()
        return await self.dispatch()
