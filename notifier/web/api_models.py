"""The shapes of /api: pydantic models of every response, query and request body.

They are the contract the OpenAPI document (`notifier/web/openapi.py`) is generated from, and
tests check real responses against them. `extra="forbid"` makes a field a handler adds without
adding it here a failing test, not a silent drift.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from notifier.app.subscribers import ContactIn
from notifier.channels.fields import ChannelName, ContactKindName
from notifier.model import Severity, TransitionKind, Trust


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------------


class ErrorBody(Shape):
    code: str = Field(
        description="Machine-readable: unauthorized, forbidden, not_found, rate_limited …"
    )
    message: str = Field(description="One line for a person.")


class ErrorResponse(Shape):
    error: ErrorBody


# --- queries -----------------------------------------------------------------------------------


class LimitQuery(Shape):
    limit: int = Field(100, ge=1, le=1000, description="At most this many, newest first.")


class DeliveryStatusName(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    DEAD = "dead"
    SUPPRESSED = "suppressed"
    SUPERSEDED = "superseded"


class DeliveriesQuery(LimitQuery):
    status: DeliveryStatusName | None = Field(None, description="Only rows in this state.")
    subscriber: str | None = Field(None, max_length=200, description="Only this subscriber's.")
    event: str | None = Field(None, max_length=200, description="Only this event's.")
    channel: ChannelName | None = Field(None, description="Only this channel.")


class ReviewQuery(Shape):
    status: str = Field(
        "pending", description="pending (default), approved, rejected or applied; empty for all."
    )


class LevelsQuery(Shape):
    scheme: str | None = Field(None, max_length=50, description="Only this scheme's levels (kz).")
    area: str | None = Field(
        None, max_length=200, description="Only this area's and those of the areas inside it."
    )


class AreaLevelsQuery(Shape):
    history: int = Field(
        20, ge=0, le=1000, description="How many past events of the area (and around it) to add."
    )


class EventsQuery(LimitQuery):
    area: str | None = Field(
        None, max_length=200, description="Only events of this area (id or name) and inside it."
    )
    scheme: str | None = Field(None, max_length=50, description="Only this scheme's events.")
    kind: TransitionKind | None = Field(None, description="Only this kind of transition.")
    since: datetime | None = Field(None, description="Only events created at or after this time.")


# --- levels ------------------------------------------------------------------------------------


class AreaOut(Shape):
    id: str
    name: str


class LevelOut(Shape):
    scheme: str = Field(description="The issuing authority's scheme, e.g. kz.")
    area: AreaOut
    level: str = Field(description="The scheme's level word, e.g. red.")
    severity: Severity
    since: datetime
    expires: datetime | None
    updated: datetime
    evidence: str = Field(description="The sentence the level was read from.")


class LevelsResponse(Shape):
    levels: list[LevelOut]


class EffectiveLevelOut(LevelOut):
    decided_for: str = Field(
        description="The area the level was set for: this one, or one containing it."
    )


# --- events and deliveries ---------------------------------------------------------------------


class SourceRefOut(Shape):
    source_id: str
    trust: Trust
    site: str = Field(description="Host of the document's URL, else of the source's; '' if none.")
    document_id: str
    url: str
    published: datetime | None
    evidence: str


class EventOut(Shape):
    id: str
    kind: TransitionKind
    scheme: str
    area_id: str
    area_name: str
    level: str | None
    severity: Severity | None
    previous_level: str | None
    previous_severity: Severity | None
    expires: datetime | None
    at: datetime
    created: datetime
    evidence: str
    source_id: str
    document_id: str
    sources: list[SourceRefOut] = Field(
        description="Every report that agreed on this change (the trust stage's evidence)."
    )


class EventsResponse(Shape):
    events: list[EventOut]


class AreaLevelsResponse(Shape):
    area: AreaOut
    levels: list[EffectiveLevelOut] = Field(description="The level in force under each scheme.")
    own: list[LevelOut] = Field(description="The levels stored for this very area.")
    history: list[EventOut] = Field(
        description="Events of the area and of the areas containing it, newest first."
    )


class AttemptOut(Shape):
    attempt: int
    at: datetime
    outcome: str
    reason: str


class DeliveryOut(Shape):
    id: str = Field(description="Also the webhook-id header of a webhook delivery.")
    event_id: str
    subscriber_id: str
    channel: ChannelName
    address: str = Field(description="Webhook URL, or the phone number masked.")
    body: str
    language: str
    status: DeliveryStatusName
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    lease_until: datetime | None = Field(description="Until when the claiming worker holds it.")
    last_error: str
    provider_id: str
    created: datetime
    updated: datetime
    sent_at: datetime | None
    provider_status: str
    event_ids: str = Field(
        description="Every event the notice lists, space-separated (several for a grouped "
        "notice; event_id is the most severe of them)."
    )
    history: list[AttemptOut] = Field(description="Every attempt, oldest first.")


class DeliveriesResponse(Shape):
    deliveries: list[DeliveryOut]


# --- sources, review, subscribers --------------------------------------------------------------


class SourceOut(Shape):
    id: str
    type: str
    status: Literal["ok", "new", "failing", "stale", "disabled"]
    stale: bool
    last_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    next_poll: datetime | None
    seen: int
    last_new: datetime | None
    warnings: list[str]
    failed_documents: list[dict[str, str]] = Field(
        description="Documents given up after failing `extraction.max_attempts` polls, with why."
    )


class SourcesResponse(Shape):
    sources: list[SourceOut]


class ReviewItemOut(Shape):
    id: int
    source_id: str
    document_id: str
    confidence: float
    status: str
    created: datetime
    announcement: dict[str, Any] = Field(description="The announcement as extracted.")


class ReviewResponse(Shape):
    review: list[ReviewItemOut]


class ReplayBody(Shape):
    """Which dead-lettered deliveries to queue again."""

    ids: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="Delivery ids (from /api/deliveries?status=dead); empty for every dead one.",
    )


class ReplayResponse(Shape):
    queued: int = Field(description="Dead deliveries put back in the outbox.")


class EndpointOut(Shape):
    endpoint: str
    state: Literal["closed", "open", "half_open"]
    consecutive_failures: int
    opened_at: datetime | None
    open_until: datetime | None
    last_error: str


class EndpointsResponse(Shape):
    endpoints: list[EndpointOut] = Field(
        description="Webhook endpoints whose circuit breaker has seen failures, as this replica "
        "sees them."
    )


class ReportStatusName(StrEnum):
    UNCONFIRMED = "unconfirmed"
    APPROVED = "approved"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    ALL = "all"


class ReportsQuery(LimitQuery):
    status: ReportStatusName = Field(
        ReportStatusName.UNCONFIRMED, description="Reports in this state; `all` for every one."
    )


class ReportOut(Shape):
    id: int
    status: str
    needs: str | None = Field(description="What the report waits for (corroboration, operator).")
    decided_by: str | None
    scheme: str
    area: AreaOut
    level: str | None
    severity: Severity | None
    action: str
    expires: datetime | None
    evidence: str
    confidence: float
    source: SourceRefOut
    reported_at: datetime
    created: datetime
    decided: datetime | None


class ReportsResponse(Shape):
    reports: list[ReportOut]


class ContactOut(Shape):
    id: int = Field(description="The contact's number within the service (for the routes).")
    key: str = Field(
        description="The id deliveries, opt-outs and silences use: the subscriber's id for "
        "YAML and JOIN subscribers, <subscriber>@<contact id> for API contacts."
    )
    kind: ContactKindName
    address: str = Field(description="Webhook URL (credentials masked), or the phone masked.")
    blocked: str | None = Field(description="Why deliveries stopped (opted out, endpoint gone).")
    include_unconfirmed: bool | None = Field(
        None, description="Webhooks (the kind's `shown` settings): level.reported too."
    )


class QuietHoursOut(Shape):
    start: str
    end: str
    timezone: str


class SubscriberOut(Shape):
    id: str
    name: str
    origin: Literal["config", "api", "sms"] = Field(
        description="config: the YAML's (read-only here); api: the API's or CLI's; sms: JOIN."
    )
    read_only: bool = Field(description="Only pause/resume/enable/unblock are allowed.")
    areas: list[str]
    min_severity: Severity
    transitions: list[TransitionKind] | None
    language: str
    quiet_hours: QuietHoursOut | None
    enabled: bool = Field(description="The YAML's enabled flag (always true for others).")
    paused: bool
    contacts: list[ContactOut]
    created: datetime
    updated: datetime


class SubscribersResponse(Shape):
    subscribers: list[SubscriberOut]


class ContactBody(RootModel[ContactIn]):
    """One contact of a registered kind, e.g. {"kind": "sms", "phone": …} or
    {"kind": "webhook", "url": …, "secret": …}: the kind's contact model."""


# --- announcements -----------------------------------------------------------------------------


class AnnouncementAction(StrEnum):
    SET = "set"
    EXTEND = "extend"
    LIFT = "lift"


class AnnouncementBody(Shape):
    """An operator's own announcement of a level."""

    scheme: str = Field(max_length=50, description="The scheme's id, e.g. kz.")
    area: str = Field(max_length=200, description="An area id (KZ-AKT) or name (Aktobe).")
    level: str | None = Field(
        None, max_length=50, description="The scheme's level id; may be left out for a lift."
    )
    action: AnnouncementAction = AnnouncementAction.SET
    expires: str | None = Field(
        None, max_length=64, description="ISO 8601 with offset, within a year; none: no expiry."
    )
    note: str = Field("", max_length=1000, description="Shown as the evidence; who and why.")
    dry_run: bool = Field(False, description="Change nothing; answer who would be notified.")


class AnnouncedOut(Shape):
    scheme: str
    area: AreaOut
    level: str | None
    severity: Severity | None
    action: AnnouncementAction
    expires: datetime | None
    note: str


class AnnouncedTransitionOut(Shape):
    kind: str = Field(description="raised, lowered, lifted, extended, unchanged …")
    scheme: str
    area: AreaOut
    level: str | None
    previous_level: str | None
    notifies: bool


class AnnouncedNoticeOut(Shape):
    subscriber: str
    channel: ChannelName
    language: str
    text: str = Field(description="The SMS text, or the webhook's JSON body.")


class MutedOut(Shape):
    subscriber: str
    silence: int = Field(description="The silence that mutes this follower.")


class AnnouncementResponse(Shape):
    """What the announcement changed (or, for a dry run, would change) and who hears of it."""

    dry_run: bool
    announcement: AnnouncedOut
    transitions: list[AnnouncedTransitionOut]
    notified: list[str] = Field(description="Ids of the followers notified (or who would be).")
    notices: list[AnnouncedNoticeOut] = Field(description="The rendered texts (first 200).")
    notices_total: int
    muted: list[MutedOut]
    queued: int = Field(description="Outbox rows written; 0 for a dry run.")


# --- silences ----------------------------------------------------------------------------------


class SilenceBody(Shape):
    """Mute an area (and the areas inside it) or a subscriber until `ends`."""

    area: str | None = Field(None, max_length=200, description="Area id or name; or subscriber.")
    subscriber: str | None = Field(None, max_length=200, description="Subscriber id; or area.")
    starts: str | None = Field(None, max_length=64, description="ISO 8601; default now.")
    ends: str = Field(max_length=64, description="ISO 8601 with offset, within a year.")
    created_by: str = Field(max_length=200, description="Who silences.")
    comment: str = Field(max_length=1000, description="Why.")
    include_extreme: bool = Field(False, description="Also mute extreme events.")


class SilenceOut(Shape):
    id: int
    target: Literal["area", "subscriber"]
    value: str
    starts: datetime
    ends: datetime
    include_extreme: bool
    created_by: str
    comment: str
    created: datetime
    state: Literal["active", "pending", "expired"]


class SilencesQuery(LimitQuery):
    expired: bool = Field(False, description="Also list silences that have ended.")


class SilencesResponse(Shape):
    silences: list[SilenceOut]


# --- explain -----------------------------------------------------------------------------------


class ExplainQuery(Shape):
    event: str = Field(max_length=200, description="An event id (evt_…), from /api/events.")
    subscriber: str = Field(max_length=200, description="A subscriber or endpoint id.")


class ExplainEventOut(Shape):
    id: str
    kind: TransitionKind
    scheme: str
    area: AreaOut
    level: str | None
    severity: Severity | None
    created: datetime


class ExplainSubscriberOut(Shape):
    id: str
    channel: ChannelName
    address: str = Field(description="Webhook URL, or the phone number masked.")
    areas: list[str]


class ExplainCheckOut(Shape):
    check: Literal[
        "area", "severity", "transition", "enabled", "blocked", "silence", "quiet_hours", "trust"
    ]
    passed: bool
    detail: str


class ExplainDeliveryOut(Shape):
    id: str
    channel: ChannelName
    status: DeliveryStatusName
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    history: list[AttemptOut]


class ExplainResponse(Shape):
    """Each question between the event and the follower, and the outbox rows if any."""

    event: ExplainEventOut
    subscriber: ExplainSubscriberOut
    verdict: Literal["notified", "queued", "not_delivered", "not_notified"]
    would_route: bool = Field(description="Whether every check passes as things stand now.")
    checks: list[ExplainCheckOut]
    deliveries: list[ExplainDeliveryOut]
    note: str


class OpenApiDocument(BaseModel):
    """This document (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
