"""GET / — the status page for people: what is in force where, what changed and why, and what
needs an operator (unconfirmed reports, the review queue, dead letters, endpoints that stopped,
failing sources).

Each section is one function that turns what the store holds into frozen view values; the
template (`templates/status.html.j2`, jinja2 with autoescape) only lays them out. A new kind
of problem (open circuit breakers, a refused reload) joins by extending one of those
functions, not the template.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from notifier.app import AppServices
from notifier.app.deliveries import mask_address
from notifier.app.health import HealthService
from notifier.extract import Catalog
from notifier.levels import LevelBook
from notifier.model import AreaRef, LevelState, Severity
from notifier.netguard import mask_urls_in

__all__ = [
    "STATUS",
    "Banner",
    "Change",
    "CountryLevels",
    "DeadLetter",
    "EndpointProblem",
    "LevelRow",
    "Link",
    "Reload",
    "SourceProblem",
    "StatusPage",
    "banners",
    "dead_letters",
    "effective_levels",
    "endpoint_problems",
    "gather",
    "last_reload",
    "recent_changes",
    "render",
    "safe_url",
    "source_problems",
    "status_page",
]

# The page reads several application services (levels, events, reports, review, deliveries,
# sources, subscribers, health), never the store or the running stages.
STATUS: web.AppKey[AppServices] = web.AppKey("status", AppServices)


def add_routes(app: web.Application, services: AppServices) -> None:
    app[STATUS] = services
    app.router.add_get("/", status_page)


RECENT_CHANGES = 20
LIST_LIMIT = 50  # rows per operator list; the JSON API pages through the rest
EVIDENCE_CHARS = 400
_URL_CHARS = 2000


# --- view values -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """A level as people read it: "red, 3 of 3, extreme", where it was decided and since when."""

    scheme: str
    scheme_name: str
    level: str
    rank: int
    of: int
    severity: Severity
    decided_for: AreaRef
    since: datetime
    expires: datetime | None
    evidence: str


@dataclass(frozen=True, slots=True)
class LevelRow:
    """One area under one scheme: the level in force there and its own level when that differs
    (hidden by a higher one of an area containing it, or none of its own)."""

    area: AreaRef
    depth: int  # 0 for the country itself
    in_force: Level | None
    own: Level | None

    @property
    def inherited(self) -> bool:
        return self.in_force is not None and self.in_force.decided_for.id != self.area.id

    @property
    def own_hidden(self) -> bool:
        return self.own is not None and self.inherited


@dataclass(frozen=True, slots=True)
class CountryLevels:
    country: AreaRef | None  # None: areas outside the gazetteer (raw names)
    rows: tuple[LevelRow, ...]

    @property
    def highest(self) -> Severity | None:
        found = [r.in_force.severity for r in self.rows if r.in_force is not None]
        return max(found, default=None)


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str | None  # None: shown as text (not http(s), or unusable)


@dataclass(frozen=True, slots=True)
class Change:
    at: datetime
    kind: str
    area: str
    scheme: str
    level: str | None
    severity: Severity | None
    previous_level: str | None
    expires: datetime | None
    evidence: str
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class HeldReport:
    id: int
    area: str
    action: str
    level: str | None
    severity: Severity | None
    scheme: str
    source: str
    trust: str
    needs: str
    reported_at: datetime
    evidence: str
    link: Link


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    id: int
    area: str
    action: str
    level: str | None
    severity: Severity | None
    scheme: str
    source: str
    confidence: float
    created: datetime
    evidence: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    event_id: str
    subscriber: str
    channel: str
    address: str
    attempts: int
    last_error: str
    updated: datetime | None


@dataclass(frozen=True, slots=True)
class EndpointProblem:
    """A subscriber or endpoint that gets nothing now, and why."""

    subscriber: str
    problem: str  # "blocked", "circuit open" or "circuit half-open"
    reason: str
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class SourceProblem:
    id: str
    type: str
    status: str
    failures: int
    last_success: datetime | None
    last_error: str
    last_error_at: datetime | None
    warnings: tuple[str, ...]
    failed_documents: tuple[str, ...] = ()  # "id: reason", given up after max_attempts


@dataclass(frozen=True, slots=True)
class Reload:
    """How the last configuration reload went (`ConfigReloader.last`)."""

    ok: bool
    at: datetime
    trigger: str
    summary: str
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Banner:
    kind: str  # "warning" or "info": the colour of the box
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class StatusPage:
    generated: datetime
    timezone: str
    banners: tuple[Banner, ...]
    levels: tuple[CountryLevels, ...]
    changes: tuple[Change, ...]
    held: tuple[HeldReport, ...]
    review: tuple[ReviewEntry, ...]
    dead: tuple[DeadLetter, ...]
    dead_total: int
    endpoints: tuple[EndpointProblem, ...]
    sources: tuple[SourceProblem, ...]
    sources_total: int
    outbox: Mapping[str, int] = field(default_factory=dict)
    reload: Reload | None = None  # None: not reloaded since start


# --- sections ----------------------------------------------------------------------------------


def effective_levels(catalog: Catalog, book: LevelBook) -> list[CountryLevels]:
    """Every area with a decision of its own, grouped by country and laid out as the area tree,
    with the level in force there (`LevelBook.effective`: its own or one of an area containing
    it). Areas whose own decision ended a containing area's level (a lift) are listed too, so
    "lifted in Aktobe" under a nationwide red shows as no level there."""
    holders = {(s.scheme, s.area.id) for s in book.states()}
    keys = set(holders)
    for scheme, area_id, _when in book.memory().get("cleared", ()):
        # A lift or expiry matters here only while an area containing it still holds a level.
        if any((scheme, a) in holders for a in catalog.ancestors(area_id)):
            keys.add((scheme, area_id))
    listed = {area_id for _, area_id in keys}
    rows: dict[str | None, list[tuple[tuple[tuple[str, ...], str], LevelRow]]] = {}
    for scheme, area_id in keys:
        area = catalog.area(area_id) or _raw_area(book, scheme, area_id)
        ancestors = catalog.ancestors(area_id)
        lineage = [*reversed(ancestors), area_id]
        country = lineage[0] if catalog.area(area_id) else None
        row = LevelRow(
            area=area,
            # Indented under the listed areas that contain it, not under every tree level.
            depth=sum(1 for a in ancestors if a in listed),
            in_force=_level(catalog, book.effective(scheme, area_id)),
            own=_level(catalog, book.state(scheme, area_id)),
        )
        key = (tuple(catalog.area_name(a) for a in lineage), scheme)
        rows.setdefault(country, []).append((key, row))
    groups = [
        CountryLevels(
            country=catalog.area(country) if country else None,
            rows=tuple(row for _, row in sorted(found, key=lambda item: item[0])),
        )
        for country, found in rows.items()
    ]
    # The gravest country first; people look for the worst news at the top.
    return sorted(
        groups,
        key=lambda g: (
            -(g.highest.rank if g.highest else -1),
            g.country is None,
            g.country.name if g.country else "",
        ),
    )


def recent_changes(events: Iterable[Mapping[str, Any]]) -> list[Change]:
    """The store's event rows (newest first), with links to the documents they came from."""
    out = []
    for e in events:
        links: list[Link] = []
        for s in e.get("sources") or ():
            if isinstance(s, Mapping):
                links.append(_document_link(s.get("site") or s.get("source_id") or "", s))
        if not links and e.get("source_id"):
            # Events from before the trust stage kept the document only.
            links.append(_document_link(e["source_id"], {"document_id": e.get("document_id")}))
        out.append(
            Change(
                at=_time(e.get("at")) or _time(e.get("created")) or _EPOCH,
                kind=str(e.get("kind", "")),
                area=str(e.get("area_name", "")),
                scheme=str(e.get("scheme", "")),
                level=e.get("level"),
                severity=_severity(e.get("severity") or e.get("previous_severity")),
                previous_level=e.get("previous_level"),
                expires=_time(e.get("expires")),
                evidence=_clip(e.get("evidence") or ""),
                links=_unique(links),
            )
        )
    return out


def held_reports(reports: Iterable[Any]) -> list[HeldReport]:
    """Unconfirmed reports (`StoredReport`s): they changed no level and sent no SMS."""
    return [
        HeldReport(
            id=r.id,
            area=r.announcement.area.name,
            action=r.announcement.action.value,
            level=r.announcement.level,
            severity=r.announcement.severity,
            scheme=r.announcement.scheme,
            source=r.source.source_id,
            trust=r.source.trust.value,
            needs=r.needs,
            reported_at=r.reported_at,
            evidence=_clip(r.announcement.evidence),
            link=_document_link(r.source.site or r.source.source_id, r.source.to_json()),
        )
        for r in reports
    ]


def review_entries(items: Iterable[Any]) -> list[ReviewEntry]:
    """Pending review items (`ReviewItem`s): announcements below their source's confidence."""
    out = []
    for item in items:
        a = item.announcement if isinstance(item.announcement, Mapping) else {}
        found = a.get("area")
        area: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        out.append(
            ReviewEntry(
                id=item.id,
                area=str(area.get("name") or area.get("id") or "?"),
                action=str(a.get("action", "")),
                level=a.get("level"),
                severity=_severity(a.get("severity")),
                scheme=str(a.get("scheme", "")),
                source=item.source_id,
                confidence=float(item.confidence),
                created=item.created,
                evidence=_clip(str(a.get("evidence", ""))),
            )
        )
    return out


def dead_letters(rows: Iterable[Mapping[str, Any]]) -> list[DeadLetter]:
    """Outbox rows that gave up (`status` dead); `notifier replay` puts them back."""
    return [
        DeadLetter(
            id=str(r["id"]),
            event_id=str(r["event_id"]),
            subscriber=str(r["subscriber_id"]),
            channel=str(r["channel"]),
            # Phone numbers and URL credentials are personal data or secrets.
            address=mask_address(str(r["channel"]), str(r["address"])),
            attempts=int(r.get("attempts") or 0),
            last_error=_clip(mask_urls_in(str(r.get("last_error") or ""))),
            updated=_time(r.get("updated")),
        )
        for r in rows
    ]


async def endpoint_problems(services: AppServices) -> list[EndpointProblem]:
    """Subscribers and endpoints that get nothing now: opted out (STOP, Twilio 21610),
    disabled (a webhook's 410 Gone), or behind an open circuit breaker (as this replica sees
    it: its rows wait until a probe succeeds)."""
    blocked = await services.subscribers.blocked()
    out = [
        EndpointProblem(sid, "blocked", mask_urls_in(reason))
        for sid, reason in sorted(blocked.items())
    ]
    for circuit in services.deliveries.circuits():
        if circuit["state"] == "closed":
            continue
        until = circuit.get("open_until")
        out.append(
            EndpointProblem(
                str(circuit["endpoint"]),
                "circuit open" if circuit["state"] == "open" else "circuit half-open",
                mask_urls_in(str(circuit.get("last_error") or "")),
                datetime.fromisoformat(until) if isinstance(until, str) else None,
            )
        )
    return out


def source_problems(reports: Iterable[Mapping[str, Any]]) -> list[SourceProblem]:
    """Sources that are failing or have gone quiet for too long (`source_report` rows)."""
    return [
        SourceProblem(
            id=str(r["id"]),
            type=str(r["type"]),
            status=str(r["status"]),
            failures=int(r.get("failures") or 0),
            last_success=_time(r.get("last_success")),
            last_error=_clip(str(r.get("last_error") or "")),
            last_error_at=_time(r.get("last_error_at")),
            warnings=tuple(str(w) for w in r.get("warnings") or ()),
            failed_documents=tuple(
                f"{d.get('id', '?')}: {d.get('reason', '')}"
                for d in r.get("failed_documents") or ()
                if isinstance(d, Mapping)
            ),
        )
        for r in reports
        if r.get("status") in ("failing", "stale")
    ]


def banners(health: HealthService) -> list[Banner]:
    """Facts about the whole service an operator must not miss: what runs less well than
    configured (`HealthService.degradations`, e.g. a refused reload) and SMS in dry-run."""
    out = [Banner("warning", "Degraded", text) for text in health.degradations()]
    if health.sms_dry_run():
        out.append(
            Banner(
                "warning",
                "SMS dry-run",
                "No Twilio credentials are configured: text messages are printed to the log, "
                "not sent. Webhooks are delivered as usual.",
            )
        )
    return out


async def gather(app: AppServices) -> StatusPage:
    """Everything the page shows, read from the database (not this replica's memory, which
    another replica may have outdated)."""
    book = await app.levels.book()
    sources = await app.sources.listing()
    counts = await app.deliveries.counts()
    pending = await app.review.listing("pending")
    return StatusPage(
        generated=app.health.now(),
        timezone=app.health.timezone(),
        banners=tuple(banners(app.health)),
        levels=tuple(effective_levels(app.levels.catalog(), book)),
        changes=tuple(recent_changes(await app.events.listing(limit=RECENT_CHANGES))),
        held=tuple(held_reports(await app.reports.listing("unconfirmed", limit=LIST_LIMIT))),
        review=tuple(review_entries(pending[:LIST_LIMIT])),
        dead=tuple(dead_letters(await app.deliveries.listing(status="dead", limit=LIST_LIMIT))),
        dead_total=counts.get("dead", 0),
        endpoints=tuple(await endpoint_problems(app)),
        sources=tuple(source_problems(sources)),
        sources_total=len(sources),
        outbox=dict(sorted(counts.items())),
        reload=last_reload(app.health),
    )


def last_reload(health: HealthService) -> Reload | None:
    last = health.last_reload()
    if last is None:
        return None
    return Reload(last.ok, last.at, last.trigger, last.summary, tuple(last.errors))


# --- rendering ---------------------------------------------------------------------------------


def safe_url(url: object) -> str | None:
    """The URL when a browser may follow it from our page: absolute http(s), no whitespace or
    control characters, of a sane length; otherwise None (the page shows it as text)."""
    if not isinstance(url, str) or not url or len(url) > _URL_CHARS:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return url


def format_time(value: datetime | None, zone: ZoneInfo) -> str:
    """One format everywhere on the page: 2022-01-05 14:30 +06 (the operator's zone)."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        local = value.astimezone(zone)
    except OverflowError:
        # A term ending in year 9999 cannot move east of UTC; its UTC form says the same.
        local = value.astimezone(UTC)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d} {local.tzname() or 'UTC'}"
    )


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("notifier.web", "templates"),
        autoescape=True,  # everything from documents is text, never markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def render(page: StatusPage) -> str:
    zone = ZoneInfo(page.timezone)
    template = _environment().get_template("status.html.j2")
    return template.render(
        page=page,
        when=lambda value: format_time(value, zone),
        iso=lambda value: value.isoformat() if value is not None else "",
    )


async def status_page(request: web.Request) -> web.Response:
    page = await gather(request.app[STATUS])
    return web.Response(
        text=render(page),
        content_type="text/html",
        # The page is built for people and from the operator's data: not for other sites'
        # frames, and no script or style from anywhere but itself.
        headers={
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


# --- helpers -----------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _level(catalog: Catalog, state: LevelState | None) -> Level | None:
    if state is None:
        return None
    scheme = catalog.schemes.get(state.scheme)
    level = scheme.level(state.level) if scheme else None
    return Level(
        scheme=state.scheme,
        scheme_name=scheme.name if scheme else state.scheme,
        level=state.level,
        rank=level.rank if level else 0,
        of=len(scheme.levels) if scheme else 0,
        severity=state.severity,
        decided_for=state.area,
        since=state.since,
        expires=state.expires,
        evidence=_clip(state.evidence),
    )


def _raw_area(book: LevelBook, scheme: str, area_id: str) -> AreaRef:
    state = book.state(scheme, area_id)
    return state.area if state else AreaRef(area_id, area_id.removeprefix("raw:"))


def _document_link(label: str, ref: Mapping[str, Any]) -> Link:
    """A link to the document: its URL, or its id when that is one (feed guids often are)."""
    for candidate in (ref.get("url"), ref.get("document_id")):
        url = safe_url(candidate)
        if url is not None:
            return Link(label or (urlsplit(url).hostname or url), url)
    return Link(label or str(ref.get("document_id") or "?"), None)


def _unique(links: Sequence[Link]) -> tuple[Link, ...]:
    return tuple(dict.fromkeys(links))


_CONTROLS = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0))}


def _clip(text: str) -> str:
    # Control characters a document carried are no text for people (and not valid HTML).
    text = " ".join(text.translate(_CONTROLS).split())
    return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _severity(value: Any) -> Severity | None:
    try:
        return Severity(value) if value else None
    except ValueError:
        return None
