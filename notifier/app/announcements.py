"""Manual announcements: the operator sets, extends or lifts a level as their own official word.

One door: `AnnouncementService.announce(request)`. A real announcement goes through the
pipeline's own transaction (`Applier.apply`: levels, events, outbox, the reports ledger,
silences) as a report an operator vouched for; a dry run applies it to a copy of the levels
read from the database and answers with who would be notified and what they would read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid
from notifier.app.reports import announcement_fields
from notifier.app.silences import SilenceService
from notifier.app.timebox import parse_instant
from notifier.dispatch.dispatcher import plan_notices
from notifier.model import Action, Announcement, AreaRef, Event, Transition, Trust
from notifier.trust import Report

if TYPE_CHECKING:
    from notifier.service import Service

OPERATOR_SOURCE = "operator"
MAX_NOTE_CHARS = 1000
MAX_NOTICES_SHOWN = 200  # a dry run over a large audience shows this many texts, counts all


@dataclass(frozen=True, slots=True)
class AnnouncementRequest:
    scheme: str
    area: str  # an area id (KZ-AKT) or name (Aktobe)
    level: str | None
    action: Action = Action.SET
    expires: str | datetime | None = None
    note: str = ""
    dry_run: bool = False
    by: str = "operator"  # who asked (the API token's name, or the CLI user)


@dataclass(frozen=True, slots=True)
class AnnouncementOutcome:
    dry_run: bool
    announcement: Announcement
    transitions: list[Transition]
    notified: list[str]  # follower ids, sorted
    notices: list[dict[str, Any]]  # {subscriber, channel, language, text}; at most MAX_NOTICES
    notices_total: int
    muted: list[dict[str, Any]] = field(default_factory=list)  # {subscriber, silence}
    queued: int = 0  # outbox rows written (0 for a dry run)

    def to_json(self) -> dict[str, Any]:
        a = self.announcement
        return {
            "dry_run": self.dry_run,
            "announcement": {**announcement_fields(a), "note": a.evidence},
            "transitions": [
                {
                    "kind": t.kind.value,
                    "scheme": t.scheme,
                    "area": {"id": t.area.id, "name": t.area.name},
                    "level": t.level,
                    "previous_level": t.previous_level,
                    "notifies": t.notifies,
                }
                for t in self.transitions
            ],
            "notified": self.notified,
            "notices": self.notices,
            "notices_total": self.notices_total,
            "muted": self.muted,
            "queued": self.queued,
        }


class AnnouncementService:
    def __init__(self, service: Service, silences: SilenceService) -> None:
        self._service = service
        self._silences = silences

    def build(self, request: AnnouncementRequest, now: datetime) -> Announcement:
        """The announcement the request stands for, checked against the catalog."""
        catalog = self._service.catalog
        scheme = catalog.schemes.get(request.scheme)
        if scheme is None:
            raise Invalid("scheme", f"unknown scheme {request.scheme!r}")
        area_id = request.area if catalog.area(request.area) else catalog.find_area(request.area)
        area = catalog.area(area_id or "")
        if area is None:
            raise Invalid("area", f"unknown area {request.area!r}")
        if scheme.areas and not any(catalog.contains(root, area.id) for root in scheme.areas):
            raise Invalid(
                "area", f"{area.id} is outside the areas of scheme {scheme.id} ({scheme.areas})"
            )
        level = scheme.level(request.level) if request.level else None
        if request.level and level is None:
            known = ", ".join(lv.id for lv in scheme.levels)
            raise Invalid("level", f"scheme {scheme.id} has no level {request.level!r} ({known})")
        if level is None and request.action is not Action.LIFT:
            raise Invalid("level", f"a {request.action.value} needs a level")
        if len(request.note) > MAX_NOTE_CHARS:
            raise Invalid("note", f"longer than {MAX_NOTE_CHARS} characters")
        expires = None
        if request.expires is not None:
            if request.action is Action.LIFT:
                raise Invalid("expires", "a lift has no expiry")
            expires = parse_instant("expires", request.expires, now)
        note = request.note.strip() or f"manual announcement by {request.by}"
        return Announcement(
            scheme=scheme.id,
            area=AreaRef(area.id, area.name),
            level=level.id if level else None,
            severity=level.severity if level and request.action is not Action.LIFT else None,
            action=request.action,
            evidence=note,
            confidence=1.0,
            expires=expires,
            published=now,
            source_id=OPERATOR_SOURCE,
            document_id=f"announce:{request.by}:{uuid.uuid4().hex[:12]}",
        )

    async def announce(self, request: AnnouncementRequest) -> AnnouncementOutcome:
        service = self._service
        now = service.clock()
        announcement = self.build(request, now)
        # What it changes, on a copy of the levels as the database holds them now.
        store = service.store
        book = service.levels.new_book(await store.level_states(), await store.level_memory())
        transitions = book.apply(announcement, now)
        events = [Event.from_transition(t, now) for t in transitions if t.notifies]
        # Grouped per follower as the dispatcher would, silences and quiet hours applied.
        mutes = await self._silences.muting(now)
        plan = plan_notices(events, (), await service.followers.current(), service.renderer, mutes)
        kept, muted = plan.notices, plan.muted
        queued = 0
        if not request.dry_run:
            report = Report.confirmed_by_operator(
                announcement,
                source_id=OPERATOR_SOURCE,
                document_id=announcement.document_id,
                trust=Trust.OFFICIAL,
            )
            queued = await service.levels.apply([report], document=None, source_id=OPERATOR_SOURCE)
        return AnnouncementOutcome(
            dry_run=request.dry_run,
            announcement=announcement,
            transitions=transitions,
            notified=sorted({n.subscriber_id for n in kept}),
            notices=[
                {
                    "subscriber": n.subscriber_id,
                    "channel": str(n.channel),
                    "language": n.language,
                    "text": n.body,
                }
                for n in kept[:MAX_NOTICES_SHOWN]
            ],
            notices_total=len(kept),
            muted=[{"subscriber": sid, "silence": silence} for sid, silence in muted],
            queued=queued,
        )
