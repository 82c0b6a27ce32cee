"""Reading an area an operator names: an id (KZ-AKT), a code or a name in any language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifier.app.errors import Invalid, NotFound
from notifier.model import AreaRef

if TYPE_CHECKING:
    from notifier.extract import Catalog

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
