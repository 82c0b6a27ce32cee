"""Operators' decisions on unconfirmed reports (the trust stage's ledger)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifier.app.errors import NotFound
from notifier.trust import ReportStatus, StoredReport

if TYPE_CHECKING:
    from notifier.service import Service


class ReportService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def decide(self, report_id: int, *, confirm: bool) -> StoredReport:
        """Confirm (the running service applies it within seconds) or dismiss one report."""
        status = ReportStatus.APPROVED if confirm else ReportStatus.DISMISSED
        decided = await self._service.store.decide_report(report_id, status, self._service.clock())
        if decided is None:
            raise NotFound(f"report #{report_id} does not exist or is not unconfirmed")
        return decided
