"""Events (the transitions the pipeline recorded), filtered the way operators ask."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from notifier.app.areas import area_and_inside, filter_area
from notifier.app.errors import Invalid
from notifier.app.timebox import MAX_ISO_CHARS
from notifier.model import TransitionKind
from notifier.store.listings import find_events

if TYPE_CHECKING:
    from notifier.service import Service

MAX_LIMIT = 1000


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def parse_since(value: str | datetime | None) -> datetime | None:
    """An aware instant in the past or future (a filter, not a plan), else `Invalid`."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if len(value) > MAX_ISO_CHARS:
            raise Invalid("since", f"not an ISO 8601 time (longer than {MAX_ISO_CHARS} characters)")
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise Invalid("since", f"not an ISO 8601 time: {value!r}") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("since", "needs a UTC offset (e.g. 2026-12-05T18:00:00+00:00 or ...Z)")
    return value.astimezone(UTC)


class EventService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def listing(
        self,
        *,
        limit: int = 100,
        area: str | None = None,
        scheme: str | None = None,
        kind: str | None = None,
        since: str | datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Newest events first; `area` keeps those of the area and the areas inside it."""
        catalog = self._service.catalog
        check_limit(limit)
        if scheme and scheme not in catalog.schemes:
            raise Invalid("scheme", f"unknown scheme {scheme[:60]!r}")
        if kind and kind not in {k.value for k in TransitionKind}:
            raise Invalid("kind", "must be one of " + ", ".join(k.value for k in TransitionKind))
        area_ids = area_and_inside(catalog, filter_area(catalog, area).id) if area else None
        return await find_events(
            self._service.store.engine,
            limit=limit,
            area_ids=area_ids,
            scheme=scheme or None,
            kind=kind or None,
            since=parse_since(since),
        )
