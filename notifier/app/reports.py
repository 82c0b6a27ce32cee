"""The trust stage's ledger as operators see it: reports listed, confirmed or dismissed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid, NotFound
from notifier.app.events import check_limit
from notifier.model import Announcement
from notifier.trust import ReportStatus, StoredReport

if TYPE_CHECKING:
    from notifier.service import Service

REPORT_STATUSES = ("unconfirmed", "approved", "confirmed", "dismissed", "all")


def announcement_fields(a: Announcement) -> dict[str, Any]:
    """What an announcement says, as the API shows it in reports and announcements."""
    return {
        "scheme": a.scheme,
        "area": {"id": a.area.id, "name": a.area.name},
        "level": a.level,
        "severity": a.severity.value if a.severity else None,
        "action": a.action.value,
        "expires": a.expires.isoformat() if a.expires else None,
    }


def report_json(report: StoredReport) -> dict[str, Any]:
    a = report.announcement
    return {
        "id": report.id,
        "status": report.status.value,
        "needs": report.needs or None,
        "decided_by": report.decided_by or None,
        **announcement_fields(a),
        "evidence": a.evidence,
        "confidence": a.confidence,
        "source": report.source.to_json(),
        "reported_at": report.reported_at.isoformat(),
        "created": report.created.isoformat(),
        "decided": report.decided.isoformat() if report.decided else None,
    }


class ReportService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def listing(
        self, status: str = "unconfirmed", *, limit: int = 1000
    ) -> list[StoredReport]:
        """Reports newest first: those in `status`, or `all`."""
        if status not in REPORT_STATUSES:
            raise Invalid("status", "must be one of " + ", ".join(REPORT_STATUSES))
        check_limit(limit)
        return list(
            await self._service.store.reports(None if status == "all" else status, limit=limit)
        )

    async def decide(self, report_id: int, *, confirm: bool) -> StoredReport:
        """Confirm (the running service applies it within seconds) or dismiss one report."""
        status = ReportStatus.APPROVED if confirm else ReportStatus.DISMISSED
        decided = await self._service.store.decide_report(report_id, status, self._service.clock())
        if decided is None:
            raise NotFound(f"report #{report_id} does not exist or is not unconfirmed")
        return decided
