"""outbox lease: claims carry an expiry the owner extends while it works; attempt history

Revision ID: 0004_outbox_lease
Revises: 0002
Create Date: 2026-12-04 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0004_outbox_lease"
down_revision = "0003_trust_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deliveries",
        sa.Column("lease_until", notifier.store.tables.UtcDateTime(), nullable=True),
    )
    # Claims of the previous schema had no lease: they expire at once, as before after a crash.
    # Partial indexes: only claimed (resp. pending) rows are in them, so the many sent rows
    # cost no entries and sending a row updates fewer index pages.
    claimed = sa.text("status = 'claimed'")
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_deliveries_lease",
        "deliveries",
        ["lease_until"],
        sqlite_where=claimed,
        postgresql_where=claimed,
    )
    op.create_index(
        "ix_deliveries_endpoint",
        "deliveries",
        ["subscriber_id"],
        sqlite_where=pending,
        postgresql_where=pending,
    )


    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index("ix_delivery_attempts_delivery", "delivery_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_delivery", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_endpoint", table_name="deliveries")
    op.drop_index("ix_deliveries_lease", table_name="deliveries")
    op.drop_column("deliveries", "lease_until")
