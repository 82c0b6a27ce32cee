"""Tables (SQLAlchemy Core). The Alembic migrations in `migrations/versions` create them.

Times are stored as naive UTC (`UtcDateTime` converts), so SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Double,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive in UTC."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


source_state = Table(
    "source_state",
    metadata,
    Column("source_id", String(200), primary_key=True),
    Column("state", Text, nullable=False, default="{}"),  # JSON from the source poller
    Column("baseline_done", Boolean, nullable=False, default=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("lease_holder", String(200)),
    Column("lease_until", UtcDateTime),
)

documents_seen = Table(
    "documents_seen",
    metadata,
    Column("source_id", String(200), primary_key=True),
    Column("document_id", String(500), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
)

levels = Table(
    "levels",
    metadata,
    Column("scheme", String(50), primary_key=True),
    Column("area_id", String(200), primary_key=True),
    Column("area_name", String(200), nullable=False),
    Column("level", String(50), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("since", UtcDateTime, nullable=False),
    Column("expires", UtcDateTime),
    Column("updated", UtcDateTime, nullable=False),
    Column("origin", String(500), nullable=False, default=""),
    Column("evidence", Text, nullable=False, default=""),
)

# Small persistent values: the LevelBook's extra memory and the like.
meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("scheme", String(50), nullable=False),
    Column("area_id", String(200), nullable=False),
    Column("area_name", String(200), nullable=False),
    Column("level", String(50)),
    Column("severity", String(20)),
    Column("previous_level", String(50)),
    Column("previous_severity", String(20)),
    Column("expires", UtcDateTime),
    Column("at", UtcDateTime, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Column("evidence", Text, nullable=False, default=""),
    Column("source_id", String(200), nullable=False, default=""),
    Column("document_id", String(500), nullable=False, default=""),
    # JSON list of SourceRef: every report that made the change (the trust stage)
    Column("sources", Text, nullable=False, default="[]", server_default="[]"),
    Index("ix_events_created", "created"),
)

# Operators' subscribers and endpoints come from YAML; this keeps what the service learns about
# them (an opt-out, a 410 Gone) across restarts and config reloads.
subscriber_flags = Table(
    "subscriber_flags",
    metadata,
    Column("subscriber_id", String(200), primary_key=True),
    Column("opted_out", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("reason", Text, nullable=False, default=""),
    Column("updated", UtcDateTime, nullable=False),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("subscriber_id", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("address", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(8), nullable=False, default="en"),
    # pending -> claimed -> sent | pending (retry) | dead
    Column("status", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_by", String(200)),
    Column("claimed_at", UtcDateTime),
    # The claim holds until then; its owner extends it while the row is in its hands.
    Column("lease_until", UtcDateTime),
    Column("last_error", Text, nullable=False, default=""),
    Column("provider_id", String(100), nullable=False, default=""),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("provider_status", String(30), nullable=False, default=""),
    # Every event the notice lists, space-separated (a grouped notice lists several; event_id
    # is the first, most severe one). The outbox reads them to skip superseded notices.
    Column("event_ids", Text, nullable=False, default="", server_default=""),
    UniqueConstraint("event_id", "subscriber_id", "channel", name="uq_deliveries_key"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_provider_id", "provider_id"),
    # Partial: only claimed (resp. pending) rows are in them, so a sent row costs no entry.
    Index(
        "ix_deliveries_lease",
        "lease_until",
        sqlite_where=text("status = 'claimed'"),
        postgresql_where=text("status = 'claimed'"),
    ),
    Index(
        "ix_deliveries_endpoint",
        "subscriber_id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)

# Every attempt (and deferral) of a delivery, for the API and the status page: what happened when.
delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),  # 1, 2, …; a deferral repeats the last number
    Column("at", UtcDateTime, nullable=False),
    Column("outcome", String(12), nullable=False),  # ok | retryable | permanent | deferred
    Column("reason", Text, nullable=False, default=""),
    Column("worker", String(200), nullable=False, default=""),
    Index("ix_delivery_attempts_delivery", "delivery_id"),
)

review = Table(
    "review",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(200), nullable=False),
    Column("document_id", String(500), nullable=False),
    Column("announcement", Text, nullable=False),  # JSON, the Announcement fields
    Column("confidence", Float, nullable=False),
    Column("status", String(12), nullable=False, default="pending"),
    Column("created", UtcDateTime, nullable=False),
    Column("decided", UtcDateTime),
    Index("ix_review_status", "status"),
)

# Subscribers (migration 0007): who hears what, whatever created them. `origin` is `config`
# (the YAML's subscribers: and webhooks:, synced at start and reload), `api` (the API or the
# CLI) or `sms` (someone who texted JOIN; id sms:<digits>). `enabled` is the YAML's own switch,
# `paused` the operator's; either off and the subscriber gets nothing.
subscribers = Table(
    "subscribers",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("origin", String(10), nullable=False),
    Column("min_severity", String(20), nullable=False),
    Column("transitions", Text),  # JSON list of kinds, NULL: the default kinds
    Column("language", String(8), nullable=False, default="en"),
    Column("quiet_hours", Text),  # JSON {start, end, timezone}, NULL: none
    Column("enabled", Boolean, nullable=False, default=True),
    Column("paused", Boolean, nullable=False, default=False),
    Column("created", UtcDateTime, nullable=False),
    Column("updated", UtcDateTime, nullable=False),
)

# The areas a subscriber follows, in the order given; `added` is when (JOIN's daily limit).
subscriber_areas = Table(
    "subscriber_areas",
    metadata,
    Column("subscriber_id", String(200), primary_key=True),
    Column("area_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
    Column("added", UtcDateTime, nullable=False),
)

# How a subscriber is reached. `key` is the id deliveries, opt-outs, disabled endpoints and
# silences use: the subscriber's id for the one contact of a config or sms subscriber (so
# history from before 0007 still matches), `<subscriber>@<contact id>` for API contacts.
# `address` is the phone or URL (STOP finds every contact of a number by it); `settings` is
# the contact's JSON as its pydantic model validated it (a webhook's secret included).
contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subscriber_id", String(200), nullable=False),
    Column("key", String(250), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("address", String(500), nullable=False),
    Column("settings", Text, nullable=False, default="{}"),
    Column("created", UtcDateTime, nullable=False),
    Index("ix_contacts_subscriber_id", "subscriber_id"),
    Index("ix_contacts_address", "address"),
)

# Every announcement as one publisher reported it, and what the trust stage made of it:
# unconfirmed (waits for corroboration or an operator) -> approved (an operator confirmed,
# the service applies it) -> confirmed; or dismissed. Official reports are stored confirmed.
reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scheme", String(50), nullable=False),
    Column("area_id", String(200), nullable=False),
    Column("level", String(50), nullable=False),  # "" for a lift that names no level
    Column("action", String(10), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("trust", String(12), nullable=False),
    Column("site", String(300), nullable=False),
    Column("document_id", String(500), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("announcement", Text, nullable=False),  # JSON, the Announcement fields
    Column("reported_at", UtcDateTime, nullable=False),  # its time for the window
    Column("created", UtcDateTime, nullable=False),
    Column("status", String(12), nullable=False),
    Column("needs", String(20), nullable=False, default=""),  # corroboration | operator
    Column("decided", UtcDateTime),
    Column("decided_by", String(20), nullable=False, default=""),
    Index("ix_reports_key", "scheme", "area_id", "level", "action", "reported_at"),
    Index("ix_reports_status", "status"),
    UniqueConstraint(
        "source_id", "document_id", "scheme", "area_id", "level", "action", name="uq_reports_report"
    ),
)

# The next free send time of each SMS sender (number or Messaging Service), shared by every
# replica so that together they stay within `twilio.max_per_s` (Store.book_send). Seconds since
# the epoch: replicas compare wall clocks, which NTP keeps within milliseconds.
send_rate = Table(
    "send_rate",
    metadata,
    Column("sender", String(200), primary_key=True),
    Column("next_free", Double, nullable=False),
)

# Alertmanager-style silences: while [starts, ends) holds, notices about the area (and the
# areas inside it) or to the subscriber are not written to the outbox. Expiring one sets
# `ends` to the moment it was expired, so the history stays.
silences = Table(
    "silences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", String(12), nullable=False),  # area | subscriber
    Column("value", String(200), nullable=False),  # the area id or subscriber id
    Column("starts", UtcDateTime, nullable=False),
    Column("ends", UtcDateTime, nullable=False),
    Column("include_extreme", Boolean, nullable=False, default=False),
    Column("created_by", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("created", UtcDateTime, nullable=False),
    Index("ix_silences_ends", "ends"),
)

# Events (and held `level.reported` reports) the levels transaction committed, waiting for the
# dispatcher to route, group, render and write their outbox rows (notifier.dispatch.dispatcher).
# `seq` orders them: a later row of the same (scheme, area) supersedes an earlier one's notices.
dispatch_queue = Table(
    "dispatch_queue",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # event | report
    Column("ref_id", String(64), nullable=False),  # the event id or the report's rpt_ id
    Column("batch", String(32), nullable=False),  # one per levels transaction (one document)
    Column("scheme", String(50), nullable=False),
    Column("area_id", String(200), nullable=False),
    Column("extreme", Boolean, nullable=False, default=False),
    Column("body", Text, nullable=False),  # JSON of the Event or Reported
    Column("created", UtcDateTime, nullable=False),
    Column("dispatched", UtcDateTime),  # NULL: not yet
    Column("claimed_by", String(200)),
    Column("lease_until", UtcDateTime),
    UniqueConstraint("ref_id", name="uq_dispatch_queue_ref_id"),
    Index(
        "ix_dispatch_queue_undispatched",
        "seq",
        sqlite_where=text("dispatched IS NULL"),
        postgresql_where=text("dispatched IS NULL"),
    ),
    Index("ix_dispatch_queue_area", "scheme", "area_id", "seq"),
    Index("ix_dispatch_queue_created", "created"),
)
