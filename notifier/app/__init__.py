"""The application layer: what the transports (HTTP handlers, CLI commands) call.

Each service is small and reads the running `Service` (store, catalog, router, renderer) at
call time, so a reload's new catalog or router is what the next call sees. The pipeline's
stages stay where `notifier.service` wires them; these services only ask them to act (an
announcement through the apply stage) or read what they wrote (explain, levels, events,
deliveries, sources, review, reports, health), plus the silences routing consults at fan-out
time and the subscribers it routes to. Transports reach none of the stages, the store or the
router themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from notifier.app.announcements import AnnouncementService
from notifier.app.areas import AreaService
from notifier.app.deliveries import DeliveryService
from notifier.app.events import EventService
from notifier.app.explain import ExplainService
from notifier.app.health import HealthService
from notifier.app.levels import LevelService
from notifier.app.reports import ReportService
from notifier.app.review import ReviewService
from notifier.app.silences import SilenceService
from notifier.app.sources import SourceService
from notifier.app.subscribers import SubscriberService

if TYPE_CHECKING:
    from notifier.service import Service

__all__ = [
    "AnnouncementService",
    "AppServices",
    "AreaService",
    "DeliveryService",
    "EventService",
    "ExplainService",
    "HealthService",
    "LevelService",
    "ReportService",
    "ReviewService",
    "SilenceService",
    "SourceService",
    "SubscriberService",
    "build_services",
]


@dataclass(frozen=True, slots=True)
class AppServices:
    announcements: AnnouncementService
    silences: SilenceService
    explain: ExplainService
    reports: ReportService
    levels: LevelService
    events: EventService
    deliveries: DeliveryService
    sources: SourceService
    review: ReviewService
    subscribers: SubscriberService
    health: HealthService
    areas: AreaService


def build_services(service: Service) -> AppServices:
    """The services over one `Service` (started or not: they read it when called)."""
    silences, sources = SilenceService(service), SourceService(service)
    return AppServices(
        announcements=AnnouncementService(service, silences),
        silences=silences,
        explain=ExplainService(service, silences),
        reports=ReportService(service),
        levels=LevelService(service),
        events=EventService(service),
        deliveries=DeliveryService(service),
        sources=sources,
        review=ReviewService(service),
        subscribers=SubscriberService(service),
        health=HealthService(service, sources),
        areas=AreaService(service),
    )
