"""Sources as operators see them (state, errors, staleness), and a source made to re-read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notifier.app.errors import NotFound
from notifier.sources import source_report

if TYPE_CHECKING:
    from notifier.service import Service


class SourceService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def listing(self) -> list[dict[str, Any]]:
        """Each configured source's report: last success, last error, failures, next poll,
        documents given up."""
        service = self._service
        rows = {r.source_id: r for r in await service.store.source_rows()}
        now = service.clock()
        return [source_report(s, rows.get(s.id), now) for s in service.config.sources]

    async def reset(self, source_id: str) -> int:
        """Forget what a source has seen (its next poll reads everything again); the count
        of documents forgotten. `NotFound` for a source the configuration does not have."""
        sources = self._service.config.sources
        if source_id not in {s.id for s in sources}:
            known = ", ".join(s.id for s in sources) or "none"
            raise NotFound(f"no source {source_id[:60]!r} in the configuration (known: {known})")
        return int(await self._service.store.reset_source(source_id))
