"""Domain types passed between the stages of the pipeline.

Every stage takes and returns these frozen values; nothing downstream reaches back upstream.
Source -> Document -> Announcement -> Transition -> Event -> Notice -> DeliveryResult.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """One ordered scale for everything downstream, aligned with CAP."""

    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"
    EXTREME = "extreme"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Action(StrEnum):
    SET = "set"
    EXTEND = "extend"
    LIFT = "lift"


class Trust(StrEnum):
    """How far a source's word goes (README "Trust"): official acts at once, media once
    corroborated, unverified only with an operator's confirmation."""

    OFFICIAL = "official"
    MEDIA = "media"
    UNVERIFIED = "unverified"


class TransitionKind(StrEnum):
    ISSUED = "issued"
    RAISED = "raised"
    LOWERED = "lowered"
    EXTENDED = "extended"
    LIFTED = "lifted"
    EXPIRED = "expired"
    UNCHANGED = "unchanged"


# --- CAP (also the shape GeoJSON alerts are mapped into) -------------------------------------


@dataclass(frozen=True, slots=True)
class CapArea:
    desc: str
    polygons: tuple[str, ...] = ()
    circles: tuple[str, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value), repeats kept


@dataclass(frozen=True, slots=True)
class CapInfo:
    language: str = "en-US"
    categories: tuple[str, ...] = ()
    event: str = ""
    response_types: tuple[str, ...] = ()
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    parameters: tuple[tuple[str, str], ...] = ()  # (valueName, value), repeats kept
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True, slots=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime | None
    status: str  # Actual | Exercise | System | Test | Draft
    msg_type: str  # Alert | Update | Cancel | Ack | Error
    scope: str = ""
    references: tuple[
        str, ...
    ] = ()  # identifiers of earlier alerts (sender,identifier,sent -> identifier)
    note: str = ""
    infos: tuple[CapInfo, ...] = ()


# --- Documents ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    """One item read from a source: an article, a feed entry, a CAP message, a page."""

    source_id: str
    id: str  # guid / CAP identifier / path; stable across polls
    text: str  # normalised main text (title not repeated)
    title: str = ""
    url: str = ""
    published: datetime | None = None
    format: str = "text"  # text | html | rss | atom | cap | geojson | json
    language: str | None = None
    cap: CapAlert | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def content_hash(self) -> str:
        """A change in title or text is a new version of the document."""
        h = hashlib.sha256()
        h.update(self.title.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(self.text.encode("utf-8", "surrogatepass"))
        if self.cap is not None:
            h.update(repr(self.cap).encode("utf-8", "surrogatepass"))
        return h.hexdigest()


# --- Extraction --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AreaRef:
    id: str  # gazetteer id (ISO 3166 / 3166-2 where one exists), or "raw:<text>" when unmatched
    name: str


@dataclass(frozen=True, slots=True)
class Announcement:
    """One (scheme, area, level, action) read from a document."""

    scheme: str
    area: AreaRef
    level: str | None  # the scheme's level id; None only for a lift that names no level
    severity: Severity | None  # None for a lift
    action: Action
    evidence: str
    confidence: float
    previous_level: str | None = None
    effective: datetime | None = None
    expires: datetime | None = None
    published: datetime | None = None  # the document's date; an older one never wins
    source_id: str = ""
    document_id: str = ""
    origin: str = ""  # CAP identifier (for threading Update/Cancel via references)
    references: tuple[str, ...] = ()
    # A far-future date of it was clamped to the fetch time (notifier.timebounds): its date
    # never counts as newer than another document's. `warnings` says what was changed.
    clamped: bool = False
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The shape `notifier extract` prints (DESIGN.md, 'Interfaces')."""
        return {
            "scheme": self.scheme,
            "area": {"id": self.area.id, "name": self.area.name},
            "level": self.level,
            "severity": self.severity.value if self.severity else None,
            "action": self.action.value,
            "previous_level": self.previous_level,
            "effective": _iso(self.effective),
            "expires": _iso(self.expires),
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Who reported an announcement: one entry of a change's evidence (`data.sources`)."""

    source_id: str
    trust: Trust
    site: str  # host of the document's URL, else of the source's; "" when neither has one
    document_id: str = ""
    url: str = ""
    published: datetime | None = None
    evidence: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "trust": self.trust.value,
            "site": self.site,
            "document_id": self.document_id,
            "url": self.url,
            "published": _iso(self.published),
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceRef:
        published = data.get("published")
        return cls(
            source_id=data["source_id"],
            trust=Trust(data["trust"]),
            site=data.get("site", ""),
            document_id=data.get("document_id", ""),
            url=data.get("url", ""),
            published=datetime.fromisoformat(published) if published else None,
            evidence=data.get("evidence", ""),
        )


@dataclass(frozen=True, slots=True)
class Reported:
    """An announcement the trust stage holds back: it changes no level and reaches only
    operators and webhook endpoints that opted in (`level.reported`, confirmed false)."""

    id: str  # "rpt_…", stable for one (source, document, scheme, area, level, action)
    report_id: int  # row in the reports table, what `notifier reports confirm` takes
    announcement: Announcement
    source: SourceRef
    needs: str  # "corroboration" or "operator"
    created: datetime


# --- Levels ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LevelState:
    """The current level of one (scheme, area)."""

    scheme: str
    area: AreaRef
    level: str
    severity: Severity
    since: datetime
    expires: datetime | None
    updated: datetime  # date of the newest document that confirmed this state
    origin: str = ""
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    kind: TransitionKind
    scheme: str
    area: AreaRef
    at: datetime
    level: str | None
    severity: Severity | None
    previous_level: str | None = None
    previous_severity: Severity | None = None
    expires: datetime | None = None
    evidence: str = ""
    source_id: str = ""
    document_id: str = ""
    sources: tuple[SourceRef, ...] = ()  # every report that made it happen (trust stage)

    @property
    def notifies(self) -> bool:
        return self.kind is not TransitionKind.UNCHANGED

    @property
    def event_id(self) -> str:
        """Stable id: the same change of the same area at the same moment is one event."""
        key = "|".join(
            [
                self.scheme,
                self.area.id,
                self.kind.value,
                self.level or "",
                self.previous_level or "",
                _iso(self.expires) or "",
                _iso(self.at) or "",
            ]
        )
        return "evt_" + uuid.uuid5(uuid.NAMESPACE_URL, "notifier:" + key).hex


@dataclass(frozen=True, slots=True)
class Event:
    """A transition that matters, with its stable id; what routing and rendering see."""

    id: str
    transition: Transition
    created: datetime

    @classmethod
    def from_transition(cls, transition: Transition, created: datetime) -> Event:
        return cls(id=transition.event_id, transition=transition, created=created)

    @property
    def severity(self) -> Severity | None:
        t = self.transition
        return t.severity if t.severity is not None else t.previous_severity


# --- Delivery ----------------------------------------------------------------------------------


class ChannelKind(StrEnum):
    TWILIO_SMS = "twilio_sms"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Notice:
    """One rendered message for one subscriber on one channel; an outbox row carries it."""

    event_id: str
    subscriber_id: str
    channel: str  # a ChannelKind, or a kind registered in notifier.channels
    to: str  # E.164 number or URL
    body: str  # SMS text or JSON body
    language: str = "en"
    delivery_id: str = ""  # outbox row id; stable across retries (webhook-id)
    not_before: datetime | None = None  # first attempt not before (quiet hours)
    # Every change it lists (a grouped notice lists several; event_id is the lead one).
    event_ids: tuple[str, ...] = ()


class DeliveryStatus(StrEnum):
    OK = "ok"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"
    # Not attempted: a local limit (a sender's rate) said "later". Costs no attempt.
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    reason: str = ""
    retry_after_s: float | None = None
    provider_id: str = ""  # e.g. Twilio message SID
    disable_endpoint: bool = False  # webhook 410 Gone
    opted_out: bool = False  # Twilio 21610

    @classmethod
    def ok(cls, provider_id: str = "", reason: str = "") -> DeliveryResult:
        return cls(DeliveryStatus.OK, reason=reason, provider_id=provider_id)

    @classmethod
    def retryable(cls, reason: str, retry_after_s: float | None = None) -> DeliveryResult:
        return cls(DeliveryStatus.RETRYABLE, reason=reason, retry_after_s=retry_after_s)

    @classmethod
    def deferred(cls, reason: str, retry_after_s: float) -> DeliveryResult:
        return cls(DeliveryStatus.DEFERRED, reason=reason, retry_after_s=retry_after_s)

    @classmethod
    def permanent(
        cls, reason: str, *, disable_endpoint: bool = False, opted_out: bool = False
    ) -> DeliveryResult:
        return cls(
            DeliveryStatus.PERMANENT,
            reason=reason,
            disable_endpoint=disable_endpoint,
            opted_out=opted_out,
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
