"""outbox lease: claims carry an expiry the owner extends while it works

Revision ID: 0004_outbox_lease
Revises: 0002
Create Date: 2026-12-04 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0004_outbox_lease"
down_revision = "0002"
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


def downgrade() -> None:
    op.drop_index("ix_deliveries_endpoint", table_name="deliveries")
    op.drop_index("ix_deliveries_lease", table_name="deliveries")
    op.drop_column("deliveries", "lease_until")
