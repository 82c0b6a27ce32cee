"""The trust stage: which announcements may change a level, between extraction and the LevelBook.

    Report (announcement + who reported it) --TrustPolicy.decide--> Verdict
      act:    the LevelBook applies it; every report that agreed is its evidence
      hold:   unconfirmed, stored; it reaches operators and opted-in webhooks only
      repeat: the same thing was confirmed already (or this document said it before)

An `official` source acts at once. A `media` report waits until the same (scheme, area, level,
action) comes from an official source or from `corroboration.publishers` independent
publishers (different sources and different sites) within `corroboration.window_s`. An
`unverified` report, and by default an `extreme` level for a whole country from a source that
is not official, waits for an operator. Every decision reads and writes the reports ledger
inside the levels transaction, so two replicas never both confirm the same report.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

from notifier.config import TrustConfig
from notifier.model import (
    Action,
    Announcement,
    AreaRef,
    Document,
    Reported,
    Severity,
    SourceRef,
    Transition,
    Trust,
)

__all__ = [
    "DecidedBy",
    "Needs",
    "Report",
    "ReportKey",
    "ReportLedger",
    "ReportStatus",
    "StoredReport",
    "TrustPolicy",
    "Verdict",
    "announcement_from_record",
    "announcement_record",
    "covers_a_country",
    "independent_publishers",
    "site_of",
]

ReportKey = tuple[str, str, str, str]  # (scheme, area id, level or "", action)


class ReportStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"  # waits for corroboration or an operator
    APPROVED = "approved"  # an operator confirmed it; the service applies it within seconds
    CONFIRMED = "confirmed"  # it acted, or agreed with what acted
    DISMISSED = "dismissed"  # an operator said it is wrong


class Needs(StrEnum):
    CORROBORATION = "corroboration"
    OPERATOR = "operator"


class DecidedBy(StrEnum):
    OFFICIAL = "official"
    CORROBORATION = "corroboration"
    OPERATOR = "operator"
    REPEAT = "repeat"  # the same thing had been confirmed already within the window


class Outcome(StrEnum):
    ACT = "act"
    HOLD = "hold"
    REPEAT = "repeat"


@dataclass(frozen=True, slots=True)
class Report:
    """One announcement and the publisher that made it; `operator` when a person confirmed it."""

    announcement: Announcement
    source: SourceRef
    operator: bool = False

    @property
    def key(self) -> ReportKey:
        a = self.announcement
        return (a.scheme, a.area.id, a.level or "", a.action.value)

    @classmethod
    def of(
        cls, announcement: Announcement, document: Document, trust: Trust, source_url: str = ""
    ) -> Report:
        """The report of an announcement read in `document`, from a source of this trust."""
        return cls(
            announcement,
            SourceRef(
                source_id=document.source_id,
                trust=trust,
                site=site_of(document.url, source_url),
                document_id=document.id,
                url=document.url,
                published=announcement.published,
                evidence=announcement.evidence,
            ),
        )

    @classmethod
    def confirmed_by_operator(
        cls, announcement: Announcement, *, source_id: str, document_id: str, trust: Trust
    ) -> Report:
        """A report an operator vouched for (an approved review item): it acts at once."""
        source = SourceRef(source_id, trust, "", document_id, evidence=announcement.evidence)
        return cls(announcement, source, operator=True)

    def stamp(self, now: datetime) -> datetime:
        """Its time for the corroboration window: when it was published, never in the future."""
        published = self.announcement.published
        return min(published, now) if published is not None else now

    @property
    def event_id(self) -> str:
        """Stable id of its `level.reported` notice: one per (source, document, key)."""
        name = "|".join((self.source.source_id, self.source.document_id, *self.key))
        return "rpt_" + uuid.uuid5(uuid.NAMESPACE_URL, "notifier:report:" + name).hex


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A row of the reports ledger."""

    id: int
    key: ReportKey
    source: SourceRef
    announcement: Announcement
    reported_at: datetime
    created: datetime
    status: ReportStatus
    needs: str
    decided: datetime | None
    decided_by: str


class ReportLedger(Protocol):
    """The reports table, read and written inside the levels transaction."""

    async def find_report(
        self, source_id: str, document_id: str, key: ReportKey
    ) -> StoredReport | None: ...

    async def reports_near(
        self, key: ReportKey, since: datetime, until: datetime
    ) -> list[StoredReport]:
        """Reports of `key` timed within [since, until] that an operator did not dismiss."""
        ...

    async def add_report(
        self,
        report: Report,
        *,
        reported_at: datetime,
        status: ReportStatus,
        needs: str,
        decided_by: str,
        now: datetime,
    ) -> int: ...

    async def set_report_status(
        self, ids: Sequence[int], status: ReportStatus, decided_by: str, now: datetime
    ) -> None: ...

    async def take_approved_report(self, report_id: int, now: datetime) -> StoredReport | None:
        """The report if an operator approved it, now marked confirmed (one replica gets it)."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    announcement: Announcement
    sources: tuple[SourceRef, ...] = ()  # for ACT: every report that agreed
    reported: Reported | None = None  # for HOLD of a new report: what opted-in webhooks get

    @property
    def acts(self) -> bool:
        return self.outcome is Outcome.ACT

    def with_sources(self, transitions: Iterable[Transition]) -> list[Transition]:
        """The LevelBook's transitions for this verdict, with its sources as their evidence."""
        return [replace(t, sources=self.sources) for t in transitions]


class TrustPolicy:
    """Decides, per report, whether it acts, waits or repeats (module docstring)."""

    def __init__(
        self,
        config: TrustConfig,
        *,
        nationwide: Callable[[str, str], bool],
    ) -> None:
        self.publishers = config.corroboration.publishers
        self.window = timedelta(seconds=config.corroboration.window_s)
        self.extreme_nationwide_needs_operator = config.extreme_nationwide_needs_operator
        self._nationwide = nationwide

    def needs_operator(self, report: Report) -> bool:
        """Whether only an operator (or an official source) can confirm this report."""
        if report.source.trust is Trust.UNVERIFIED:
            return True
        a = report.announcement
        return (
            self.extreme_nationwide_needs_operator
            and report.source.trust is not Trust.OFFICIAL
            and a.severity is Severity.EXTREME
            and self._nationwide(a.scheme, a.area.id)
        )

    async def decide(self, report: Report, ledger: ReportLedger, now: datetime) -> Verdict:
        ann = report.announcement
        stamp = report.stamp(now)
        source = report.source
        seen = await ledger.find_report(source.source_id, source.document_id, report.key)
        near = await ledger.reports_near(report.key, stamp - self.window, stamp + self.window)
        near = [r for r in near if seen is None or r.id != seen.id]
        pending = [r for r in near if r.status in (ReportStatus.UNCONFIRMED, ReportStatus.APPROVED)]

        async def record(status: ReportStatus, needs: str = "", by: str = "") -> int:
            if seen is not None:  # a document read again (its content changed): one row each
                return seen.id
            return await ledger.add_report(
                report, reported_at=stamp, status=status, needs=needs, decided_by=by, now=now
            )

        if report.source.trust is Trust.OFFICIAL or report.operator:
            # Official sources act at once; so does a report an operator confirmed.
            by = DecidedBy.OPERATOR if report.operator else DecidedBy.OFFICIAL
            await record(ReportStatus.CONFIRMED, by=by)
            waiting = [r.id for r in pending]
            if seen is not None and seen.status is not ReportStatus.CONFIRMED:
                waiting.append(seen.id)  # it said so before, when its source was trusted less
            await ledger.set_report_status(waiting, ReportStatus.CONFIRMED, by, now)
            return self._act(ann, [report.source, *(r.source for r in pending)])
        if seen is not None:
            return Verdict(Outcome.REPEAT, ann)  # this document said it before: nothing new
        if any(r.status is ReportStatus.CONFIRMED for r in near):
            await record(ReportStatus.CONFIRMED, by=DecidedBy.REPEAT)
            return Verdict(Outcome.REPEAT, ann)
        if self.needs_operator(report):
            report_id = await record(ReportStatus.UNCONFIRMED, Needs.OPERATOR)
            return self._hold(report, report_id, Needs.OPERATOR, now)
        agreeing = [r for r in pending if r.source.trust is Trust.MEDIA]
        publishers = independent_publishers(
            [(r.source.source_id, r.source.site) for r in agreeing]
            + [(report.source.source_id, report.source.site)],
            enough=self.publishers,
        )
        if publishers >= self.publishers:
            by = DecidedBy.CORROBORATION
            await record(ReportStatus.CONFIRMED, by=by)
            await ledger.set_report_status([r.id for r in pending], ReportStatus.CONFIRMED, by, now)
            return self._act(ann, [*(r.source for r in pending), report.source])
        report_id = await record(ReportStatus.UNCONFIRMED, Needs.CORROBORATION)
        return self._hold(report, report_id, Needs.CORROBORATION, now)

    async def apply_approved(
        self, ledger: ReportLedger, report_id: int, now: datetime
    ) -> list[Verdict]:
        """A report an operator confirmed (`notifier reports confirm ID`) acts, and the reports
        of the same thing still waiting in its window are confirmed with it."""
        verdicts = []
        row = await ledger.take_approved_report(report_id, now)
        if row is not None:
            near = await ledger.reports_near(
                row.key, row.reported_at - self.window, row.reported_at + self.window
            )
            pending = [
                r
                for r in near
                if r.id != row.id and r.status in (ReportStatus.UNCONFIRMED, ReportStatus.APPROVED)
            ]
            by = DecidedBy.OPERATOR
            await ledger.set_report_status([r.id for r in pending], ReportStatus.CONFIRMED, by, now)
            verdicts.append(self._act(row.announcement, [row.source, *(r.source for r in pending)]))
        return verdicts

    @staticmethod
    def _act(ann: Announcement, sources: Sequence[SourceRef]) -> Verdict:
        unique = tuple(dict.fromkeys(sources))  # a source listed twice is one piece of evidence
        return Verdict(Outcome.ACT, ann, sources=unique)

    @staticmethod
    def _hold(report: Report, report_id: int, needs: Needs, now: datetime) -> Verdict:
        reported = Reported(
            id=report.event_id,
            report_id=report_id,
            announcement=report.announcement,
            source=report.source,
            needs=needs.value,
            created=now,
        )
        return Verdict(Outcome.HOLD, report.announcement, reported=reported)


class _Gazetteer(Protocol):
    """What `covers_a_country` reads of the catalog."""

    @property
    def areas(self) -> Mapping[str, Any]: ...

    @property
    def schemes(self) -> Mapping[str, Any]: ...


def covers_a_country(catalog: _Gazetteer, scheme_id: str, area_id: str) -> bool:
    """Whether an area is a whole country: its kind is country, or it is the scheme's default
    area (where a level that names no area applies)."""
    area = catalog.areas.get(area_id)
    if area is not None and area.kind == "country":
        return True
    scheme = catalog.schemes.get(scheme_id)
    return scheme is not None and scheme.default_area is not None and scheme.default_area == area_id


def independent_publishers(reports: Iterable[tuple[str, str]], enough: int | None = None) -> int:
    """The most reports that pairwise differ in both source and site: the size of a maximum
    matching between sources and sites (one feed carrying three sites counts once, as do
    three feeds of one site). An unknown site ("") is one site. With `enough`, counting stops
    there, which also bounds the depth of the search by it."""
    edges: dict[str, set[str]] = {}
    for source, site in reports:
        edges.setdefault(source, set()).add(site)
    owner: dict[str, str] = {}  # site -> source matched to it

    def augment(source: str, visited: set[str]) -> bool:
        for site in sorted(edges[source]):
            if site in visited:
                continue
            visited.add(site)
            if site not in owner or augment(owner[site], visited):
                owner[site] = source
                return True
        return False

    matched = 0
    for source in sorted(edges):
        if enough is not None and matched >= enough:
            break
        matched += augment(source, set())
    return matched


def site_of(*urls: str) -> str:
    """The publisher's site: the host of the first URL that has one, without "www."."""
    for url in urls:
        if not url:
            continue
        try:
            host = urlsplit(url.strip()).hostname or ""
        except ValueError:
            continue
        host = host.rstrip(".").lower()
        if host:
            return host.removeprefix("www.")
    return ""


def announcement_record(a: Announcement) -> dict[str, Any]:
    """An announcement as JSON-friendly values (the review queue and the reports ledger)."""
    record = asdict(a)
    for key, value in record.items():
        if isinstance(value, datetime):
            record[key] = value.isoformat()
    record["references"] = list(a.references)
    return record


def announcement_from_record(record: dict[str, Any]) -> Announcement:
    data = dict(record)
    data["area"] = AreaRef(**data["area"])
    data["action"] = Action(data["action"])
    data["severity"] = Severity(data["severity"]) if data.get("severity") else None
    data["references"] = tuple(data.get("references") or ())
    data["warnings"] = tuple(data.get("warnings") or ())
    for key in ("effective", "expires", "published"):
        if data.get(key):
            data[key] = datetime.fromisoformat(data[key])
    return Announcement(**data)
