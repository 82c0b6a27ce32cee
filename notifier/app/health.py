"""The service as operators and load balancers see it: ready or not, degraded or not, and the
facts about the whole service a page must not hide (a refused reload, SMS in dry-run, the
operator's time zone). /readyz, /metrics, the feed and the status page read it here, never
from the store or the running stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from notifier.app.sources import SourceService

if TYPE_CHECKING:
    from notifier.lifecycle.reload import ReloadOutcome
    from notifier.service import Service

__all__ = ["HealthService", "Readiness"]


@dataclass(frozen=True, slots=True)
class Readiness:
    """Ready when started and the database answers. Degraded is still ready: the service
    runs, but not as the operator configured it (a refused reload), or a source fails; every
    replica shares the sources, so taking this one out of rotation would not help."""

    problems: list[str]
    degraded: list[str] = field(default_factory=list)
    failing_sources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "problems": self.problems,
            "degraded": self.degraded,
            "status": "degraded" if self.failing_sources or self.degraded else "ok",
            "failing_sources": self.failing_sources,
        }


class HealthService:
    def __init__(self, service: Service, sources: SourceService) -> None:
        self._service = service
        self._sources = sources

    async def readiness(self) -> Readiness:
        service = self._service
        if not service.started:
            return Readiness(["service not started"], self.degradations())
        try:
            await service.store.ping()
        except Exception as exc:
            return Readiness([f"database: {type(exc).__name__}"], self.degradations())
        failing = [
            {"id": r["id"], "error": r["last_error"]}
            for r in await self._sources.listing()
            if r["status"] == "failing"
        ]
        return Readiness([], self.degradations(), failing)

    def degradations(self) -> list[str]:
        """What runs less well than configured (e.g. a refused reload), one sentence each."""
        return self._service.reloader.degradations()

    def last_reload(self) -> ReloadOutcome | None:
        return self._service.last_reload

    def sms_dry_run(self) -> bool:
        """No Twilio credentials: text messages are printed, not sent."""
        return bool(self._service.config.twilio.dry_run)

    def timezone(self) -> str:
        """The operator's time zone (`server.timezone`), for pages people read."""
        return self._service.config.server.timezone

    def public_url(self) -> str | None:
        return self._service.config.server.public_url

    def now(self) -> datetime:
        return self._service.clock()
