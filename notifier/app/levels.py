"""Levels as operators ask for them: every stored level, or one area's levels in force.

One area's answer has three parts: the level in force under each scheme (its own, or
inherited from an area that contains it: `decided_for` says which), the area's own stored
levels, and its history (the events of the area and of the areas containing it, newest
first). Levels are read from the database, not from this process's copy, which another
replica may have outdated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from notifier.app.areas import area_and_inside, filter_area, resolve_area
from notifier.app.errors import Invalid
from notifier.model import AreaRef, LevelState
from notifier.store.listings import find_events

if TYPE_CHECKING:
    from notifier.extract import Catalog
    from notifier.levels import LevelBook
    from notifier.service import Service

MAX_HISTORY = 1000


def level_json(state: LevelState) -> dict[str, Any]:
    return {
        "scheme": state.scheme,
        "area": {"id": state.area.id, "name": state.area.name},
        "level": state.level,
        "severity": state.severity.value,
        "since": state.since.isoformat(),
        "expires": state.expires.isoformat() if state.expires else None,
        "updated": state.updated.isoformat(),
        "evidence": state.evidence,
    }


@dataclass(frozen=True, slots=True)
class AreaLevels:
    area: AreaRef
    effective: list[LevelState]  # one per scheme; `state.area` is the area that decided it
    own: list[LevelState]
    history: list[dict[str, Any]]  # events, newest first

    def to_json(self) -> dict[str, Any]:
        return {
            "area": {"id": self.area.id, "name": self.area.name},
            "levels": [{**level_json(s), "decided_for": s.area.id} for s in self.effective],
            "own": [level_json(s) for s in self.own],
            "history": self.history,
        }


class LevelService:
    def __init__(self, service: Service) -> None:
        self._service = service

    def catalog(self) -> Catalog:
        """The catalog in force (schemes and the area tree): a reload's is the next call's."""
        return self._service.catalog

    def _scheme(self, scheme: str | None) -> str | None:
        if scheme and scheme not in self._service.catalog.schemes:
            raise Invalid("scheme", f"unknown scheme {scheme[:60]!r}")
        return scheme or None

    async def listing(
        self, *, scheme: str | None = None, area: str | None = None
    ) -> list[LevelState]:
        """Every stored level (one per scheme and area), or those of a scheme, or those of an
        area and the areas inside it."""
        scheme = self._scheme(scheme)
        states = await self._service.store.level_states()
        if scheme:
            states = [s for s in states if s.scheme == scheme]
        if area:
            catalog = self._service.catalog
            inside = set(area_and_inside(catalog, filter_area(catalog, area).id))
            states = [s for s in states if s.area.id in inside]
        return states

    async def book(self) -> LevelBook:
        """The levels as the database holds them now, as a LevelBook to ask for the level in
        force anywhere (a copy: nothing applied to it is stored)."""
        store = self._service.store
        return self._service.levels.new_book(await store.level_states(), await store.level_memory())

    async def of_area(self, named: str, *, history: int = 20) -> AreaLevels:
        """The levels in force in one area, its own levels, and the last `history` events
        that changed them (0 for none); `NotFound` for an area the catalog does not know."""
        if not 0 <= history <= MAX_HISTORY:
            raise Invalid("history", f"must be between 0 and {MAX_HISTORY}")
        service = self._service
        area = resolve_area(service.catalog, named)
        book = await self.book()
        states = book.states()
        effective = []
        for scheme in sorted({s.scheme for s in book.states()}):
            state = book.effective(scheme, area.id)
            if state is not None:
                effective.append(state)
        own = [s for s in states if s.area.id == area.id]
        events: list[dict[str, Any]] = []
        if history:
            around = [area.id, *service.catalog.ancestors(area.id)]
            events = await find_events(service.store.engine, limit=history, area_ids=around)
        return AreaLevels(area, effective, own, events)
