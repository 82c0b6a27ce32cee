"""The application layer: what the transports (HTTP handlers, CLI commands) call.

Each service is small and reads the running `Service` (store, catalog, router, renderer) at
call time, so a reload's new catalog or router is what the next call sees. The pipeline
itself stays in `notifier.service`; these services only ask it to act (announcements) or
read what it wrote (explain), plus the silences routing consults at fan-out time and the
subscribers it routes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from notifier.app.announcements import AnnouncementService
from notifier.app.explain import ExplainService
from notifier.app.reports import ReportService
from notifier.app.silences import SilenceService
from notifier.app.subscribers import SubscriberService

if TYPE_CHECKING:
    from notifier.service import Service

__all__ = [
    "AnnouncementService",
    "AppServices",
    "ExplainService",
    "ReportService",
    "SilenceService",
    "SubscriberService",
    "build_services",
]


@dataclass(frozen=True, slots=True)
class AppServices:
    announcements: AnnouncementService
    silences: SilenceService
    explain: ExplainService
    reports: ReportService
    subscribers: SubscriberService


def build_services(service: Service) -> AppServices:
    """The services over one `Service` (started or not: they read it when called)."""
    silences = SilenceService(service)
    return AppServices(
        announcements=AnnouncementService(service, silences),
        silences=silences,
        explain=ExplainService(service, silences),
        reports=ReportService(service),
        subscribers=SubscriberService(service),
    )
