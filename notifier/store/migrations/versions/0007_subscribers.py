"""subscribers with contacts in the database; JOIN members become subscribers of origin sms

Revision ID: 0007_subscribers
Revises: 0006_silences
Create Date: 2026-12-05 07:10:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0007_subscribers"
down_revision = "0006_silences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscribers",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("min_severity", sa.String(length=20), nullable=False),
        sa.Column("transitions", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("quiet_hours", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("updated", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribers")),
    )
    op.create_table(
        "subscriber_areas",
        sa.Column("subscriber_id", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subscriber_id", "area_id", name=op.f("pk_subscriber_areas")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscriber_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("key", name=op.f("uq_contacts_key")),
    )
    op.create_index("ix_contacts_subscriber_id", "contacts", ["subscriber_id"])
    op.create_index("ix_contacts_address", "contacts", ["address"])
    _members_to_subscribers()
    op.drop_table("sms_subscriptions")


def _members_to_subscribers() -> None:
    """Every number that texted JOIN becomes one subscriber `sms:<digits>` with an sms contact;
    its areas keep their join times (the daily JOIN limit counts them)."""
    bind = op.get_bind()
    old = sa.table(
        "sms_subscriptions",
        sa.column("phone", sa.String()),
        sa.column("area_id", sa.String()),
        sa.column("language", sa.String()),
        sa.column("created", notifier.store.tables.UtcDateTime()),
    )
    rows = bind.execute(sa.select(old).order_by(old.c.phone, old.c.created, old.c.area_id)).all()
    by_phone: dict[str, list[Any]] = {}
    for row in rows:
        by_phone.setdefault(row.phone, []).append(row)
    when = notifier.store.tables.UtcDateTime()
    # Tables as this revision knows them (not notifier.store.tables, which may grow columns).
    subscribers = sa.table(
        "subscribers",
        *(sa.column(c) for c in ("id", "name", "origin", "min_severity", "transitions")),
        *(sa.column(c) for c in ("language", "quiet_hours", "enabled", "paused")),
        sa.column("created", when),
        sa.column("updated", when),
    )
    areas = sa.table(
        "subscriber_areas",
        *(sa.column(c) for c in ("subscriber_id", "area_id", "position")),
        sa.column("added", when),
    )
    contacts = sa.table(
        "contacts",
        *(sa.column(c) for c in ("subscriber_id", "key", "kind", "address", "settings")),
        sa.column("created", when),
    )
    meta = sa.table("meta", sa.column("key"), sa.column("value"))
    for phone, joined in by_phone.items():
        sid = "sms:" + phone.lstrip("+")
        first = joined[0]
        bind.execute(
            sa.insert(subscribers).values(
                id=sid,
                name="",
                origin="sms",
                min_severity="minor",
                transitions=None,
                language=first.language,
                quiet_hours=None,
                enabled=True,
                paused=False,
                created=first.created,
                updated=joined[-1].created,
            )
        )
        bind.execute(
            sa.insert(areas),
            [
                {"subscriber_id": sid, "area_id": r.area_id, "position": i, "added": r.created}
                for i, r in enumerate(joined)
            ],
        )
        bind.execute(
            sa.insert(contacts).values(
                subscriber_id=sid,
                key=sid,
                kind="sms",
                address=phone,
                settings=json.dumps({"phone": phone}),
                created=first.created,
            )
        )
    bind.execute(sa.insert(meta).values(key="subscribers_version", value="1"))


def downgrade() -> None:
    op.create_table(
        "sms_subscriptions",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("phone", "area_id", name=op.f("pk_sms_subscriptions")),
    )
    op.execute(
        "INSERT INTO sms_subscriptions (phone, area_id, language, created) "
        "SELECT c.address, a.area_id, s.language, a.added FROM subscribers s "
        "JOIN contacts c ON c.subscriber_id = s.id JOIN subscriber_areas a "
        "ON a.subscriber_id = s.id WHERE s.origin = 'sms' AND c.kind = 'sms'"
    )
    op.execute("DELETE FROM meta WHERE key = 'subscribers_version'")
    op.drop_index("ix_contacts_address", table_name="contacts")
    op.drop_index("ix_contacts_subscriber_id", table_name="contacts")
    op.drop_table("contacts")
    op.drop_table("subscriber_areas")
    op.drop_table("subscribers")
