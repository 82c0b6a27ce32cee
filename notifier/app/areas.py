"""Reading an area an operator names: an id (KZ-AKT), a code or a name in any language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid, NotFound
from notifier.extract.normalise import fold_phrase
from notifier.model import AreaRef

if TYPE_CHECKING:
    from notifier.extract import Catalog
    from notifier.extract.catalog import Area
    from notifier.service import Service

MAX_AREA_CHARS = 200


def resolve_area(catalog: Catalog, named: str) -> AreaRef:
    """The area `named` denotes, else `NotFound` (quoting at most 60 characters of it)."""
    if len(named) <= MAX_AREA_CHARS:
        area = catalog.area(named) or catalog.area(catalog.find_area(named) or "")
        if area is not None:
            return area
    raise NotFound(f"unknown area {named[:60]!r}")


def filter_area(catalog: Catalog, named: str) -> AreaRef:
    """An area given as a filter: unknown is a wrong request (`Invalid`), not a missing thing."""
    try:
        return resolve_area(catalog, named)
    except NotFound as exc:
        raise Invalid("area", str(exc)) from None


def area_and_inside(catalog: Catalog, area_id: str) -> list[str]:
    """`area_id` and every area inside it (its whole subtree in the catalog)."""
    out, todo = [], [area_id]
    while todo:
        current = todo.pop()
        if current in out:
            continue
        out.append(current)
        todo.extend(catalog.children(current))
    return out


def area_json(area: Area) -> dict[str, Any]:
    return {"id": area.id, "kind": area.kind, "parent": area.parent, "names": area.names}


class AreaService:
    """The catalog's areas as operators look them up (it needs no database)."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def search(self, query: str | None = None) -> list[Area]:
        """Every area by id, or those with `query` in a part of an id, code, name or alias in
        any language; `NotFound` when none matches."""
        wanted = fold_phrase(query) if query else ""
        found = []
        for area in sorted(self._service.catalog.areas.values(), key=lambda a: a.id):
            words = [area.id, *area.codes, *area.names.values()]
            words += [w for phrases in area.aliases.values() for w in phrases if "*" not in w]
            if wanted and not any(wanted in fold_phrase(w) for w in words):
                continue
            found.append(area)
        if not found:
            raise NotFound(f"no area matches {query!r}")
        return found
