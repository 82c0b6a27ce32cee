"""The channels a running service delivers through: one per registered kind.

`ChannelSet` is the mapping kind -> channel the outbox reads (`OutboxWorker.channels`): built
from `REGISTRY` with a `ChannelContext` each, started before use, swapped in place when a
reload changes a kind's settings (the old channel is closed at stop, after the attempts it
may still be making), and closed at stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import aiohttp

from notifier.channels import REGISTRY
from notifier.channels.base import Channel
from notifier.channels.spec import ChannelContext, SendBooker
from notifier.config import Config
from notifier.model import DeliveryResult

if TYPE_CHECKING:
    from notifier.dispatch.followers import Followers
    from notifier.store import Delivery, Store

__all__ = ["ChannelSet", "start_channel"]

# Successful attempts a kind that echoes its results prints one by one, per second; beyond
# that they are counted and said in one line when the second ends. A fan-out to 10,000
# endpoints printed (and flushed) 10,000 lines from the thread that sends them.
ECHO_SENT_PER_S = 10


async def start_channel(channel: Channel) -> None:
    """Open a channel that needs opening (Twilio's client must open inside the loop)."""
    start = getattr(channel, "start", None)
    if start is not None:
        await start()


class ChannelSet(dict[str, Channel]):
    def __init__(
        self,
        *,
        store: Callable[[], Store],
        followers: Followers,
        clock: Callable[[], datetime],
        echo: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._store = store
        self._followers = followers
        self._clock = clock
        self._echo = echo
        self._retired: list[Channel] = []
        # The current second of echoed successes: when it began, lines printed, rows untold.
        self._echo_window = 0.0
        self._echo_lines = 0
        self._echo_untold: dict[str, int] = {}
        self.session: aiohttp.ClientSession | None = None  # the service's, set at start

    def build(self, config: Config, old: Config | None = None) -> dict[str, Channel]:
        """A channel for every registered kind, or with `old` only for the kinds whose
        settings (`ChannelSpec.settings`) differ between `old` and `config`; not started."""
        assert self.session is not None, "build channels once the session is open"
        return {
            spec.kind: spec.build(
                ChannelContext(
                    config=config,
                    session=self.session,
                    clock=self._clock,
                    echo=self._echo,
                    followers=self._followers.of_kind(spec.kind),
                    resolve=self._followers.contact,
                    book_send=self._shared_booking(),
                )
            )
            for spec in REGISTRY
            if old is None or spec.settings(config) != spec.settings(old)
        }

    async def start(self, config: Config, session: aiohttp.ClientSession) -> None:
        """Build and start every kind's channel (`aclose` closes those started if one fails)."""
        self.session = session
        for kind, channel in self.build(config).items():
            self[kind] = channel
            await start_channel(channel)

    def swap(self, channels: dict[str, Channel]) -> None:
        """Use these (started) channels from now on; the ones they replace close at stop."""
        for kind, channel in channels.items():
            if kind in self:
                self._retired.append(self[kind])
            self[kind] = channel

    async def aclose(self, *, quietly: bool = False) -> None:
        """Close every channel, those swapped out too (`quietly`: ignoring failures)."""
        self._tell_untold()
        channels = [*self.values(), *self._retired]
        self.clear()
        self._retired.clear()
        for channel in channels:
            if quietly:
                with contextlib.suppress(Exception):
                    await channel.aclose()
            else:
                await channel.aclose()

    def delivered(self, row: Delivery, result: DeliveryResult, status: str) -> None:
        """The outbox recorded an attempt (`OutboxWorker.on_result`): a contact that opted
        out or whose endpoint is gone is blocked in the router at once; a kind that echoes
        its results (`ChannelSpec.echo_results`) says what became of the row."""
        self._followers.delivered(row, result)
        spec = REGISTRY.get(row.channel)
        if spec is not None and spec.echo_results:
            if status == "sent" and not self._echo_room(row.channel):
                return
            verb = {"sent": "delivered", "pending": "will retry", "dead": "gave up"}[status]
            reason = result.reason or "ok"
            self._echo(f"[{row.channel} → {row.subscriber_id}] {verb} {row.id}: {reason}")

    def _echo_room(self, kind: str) -> bool:
        """Whether a success may have its own line now; if not it is counted, and the count
        is said once the current second ends (failures always have their own line)."""
        now = time.monotonic()
        if now - self._echo_window >= 1.0:
            self._tell_untold()
            self._echo_window, self._echo_lines = now, 0
        if self._echo_lines < ECHO_SENT_PER_S:
            self._echo_lines += 1
            return True
        if not self._echo_untold:
            # The second's count is said when it ends, even if nothing else is delivered.
            with contextlib.suppress(RuntimeError):  # no running loop: said at the next one
                asyncio.get_running_loop().call_later(
                    max(0.0, self._echo_window + 1.0 - now), self._tell_untold
                )
        self._echo_untold[kind] = self._echo_untold.get(kind, 0) + 1
        return False

    def _tell_untold(self) -> None:
        untold, self._echo_untold = self._echo_untold, {}
        for kind, count in sorted(untold.items()):
            self._echo(f"[{kind}] delivered {count} more (not listed one by one)")

    def _shared_booking(self) -> SendBooker | None:
        """On PostgreSQL a sender's rate limit is shared by every replica (one row per
        sender, `Store.book_send`); on SQLite there is one process and the limit is local."""
        store = self._store()
        if store.dialect != "postgresql":
            return None

        async def book(
            sender: str, now_s: float, interval_s: float, max_wait_s: float
        ) -> tuple[bool, float]:
            return await store.book_send(
                sender, now_s=now_s, interval_s=interval_s, max_wait_s=max_wait_s
            )

        return book
