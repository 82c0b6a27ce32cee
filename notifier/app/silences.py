"""Silences (Alertmanager-style): mute an area, or a subscriber, until a time.

Routing asks `SilenceService.muting(now)` at fan-out time; the silences come from the
database, so every replica mutes alike the moment one of them (or the CLI) adds one. A
silence of an area covers the areas inside it. A muted notice is not written to the outbox.
An `extreme` event gets through unless the silence says `include_extreme`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from notifier.app.errors import Invalid, NotFound
from notifier.app.timebox import parse_instant
from notifier.model import Severity
from notifier.store.silences import Silence, SilenceStore, SilenceTarget

if TYPE_CHECKING:
    from notifier.levels import AreaTree
    from notifier.service import Service

SUBSCRIBER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:+@-]{0,199}")
MAX_COMMENT_CHARS = 1000
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class Muting:
    """The silences in force at one moment, and the area tree to read area silences with."""

    silences: tuple[Silence, ...]
    areas: AreaTree

    def silence_for(
        self, subscriber_id: str, area_id: str, severity: Severity | None, owner: str = ""
    ) -> Silence | None:
        """The silence that mutes this notice, or None. `owner`: the subscriber a contact key
        belongs to (`ops@7` -> `ops`): a silence of the subscriber mutes all its contacts."""
        for s in self.silences:
            if severity is Severity.EXTREME and not s.include_extreme:
                continue
            if s.target is SilenceTarget.SUBSCRIBER and s.value in (subscriber_id, owner):
                return s
            if s.target is SilenceTarget.AREA and self.areas.contains(s.value, area_id):
                return s
        return None


class SilenceService:
    def __init__(self, service: Service) -> None:
        self._service = service

    def now(self) -> datetime:
        return self._service.clock()

    @property
    def _store(self) -> SilenceStore:
        return SilenceStore(self._service.store.engine)

    async def muting(self, now: datetime) -> Muting:
        return Muting(tuple(await self._store.active(now)), self._service.catalog)

    async def add(
        self,
        *,
        area: str | None,
        subscriber: str | None,
        ends: str | datetime,
        created_by: str,
        comment: str,
        starts: str | datetime | None = None,
        include_extreme: bool = False,
    ) -> Silence:
        now = self._service.clock()
        if (area is None) == (subscriber is None):
            raise Invalid("area", "give exactly one of area and subscriber")
        if area is not None:
            catalog = self._service.catalog
            area_id = area if catalog.area(area) else catalog.find_area(area)
            if area_id is None or catalog.area(area_id) is None:
                raise Invalid("area", f"unknown area {area!r}")
            target, value = SilenceTarget.AREA, area_id
        else:
            assert subscriber is not None
            if not SUBSCRIBER_ID.fullmatch(subscriber):
                raise Invalid("subscriber", f"not a subscriber id: {subscriber[:60]!r}")
            target, value = SilenceTarget.SUBSCRIBER, subscriber
        created_by = created_by.strip()
        if not created_by or len(created_by) > MAX_NAME_CHARS:
            raise Invalid("created_by", f"say who silences (1 to {MAX_NAME_CHARS} characters)")
        comment = comment.strip()
        if not comment or len(comment) > MAX_COMMENT_CHARS:
            raise Invalid("comment", f"say why (1 to {MAX_COMMENT_CHARS} characters)")
        end = parse_instant("ends", ends, now)
        start = now
        if starts is not None:
            start = parse_instant("starts", starts, now)
            if start >= end:
                raise Invalid("starts", "must be before ends")
        return await self._store.add(
            target=target,
            value=value,
            starts=start,
            ends=end,
            include_extreme=include_extreme,
            created_by=created_by,
            comment=comment,
            now=now,
        )

    async def listing(self, *, include_expired: bool = False, limit: int = 100) -> list[Silence]:
        return await self._store.listing(
            self._service.clock(), include_expired=include_expired, limit=limit
        )

    async def expire(self, silence_id: int) -> Silence:
        now = self._service.clock()
        ended = await self._store.expire(silence_id, now)
        if ended is None:
            if await self._store.get(silence_id) is None:
                raise NotFound(f"silence #{silence_id} does not exist")
            raise NotFound(f"silence #{silence_id} has ended already")
        return ended
