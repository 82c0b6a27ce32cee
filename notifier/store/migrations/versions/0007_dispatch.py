"""dispatch: the queue of committed events the dispatcher routes, groups and writes out

Revision ID: 0007_dispatch
Revises: 0007_subscribers
Create Date: 2026-12-05 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0007_dispatch"
down_revision = "0007_subscribers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "deliveries",
        sa.Column("event_ids", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "dispatch_queue",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ref_id", sa.String(length=64), nullable=False),
        sa.Column("batch", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=50), nullable=False),
        sa.Column("area_id", sa.String(length=200), nullable=False),
        sa.Column("extreme", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("dispatched", notifier.store.tables.UtcDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", notifier.store.tables.UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_dispatch_queue")),
        sa.UniqueConstraint("ref_id", name="uq_dispatch_queue_ref_id"),
    )
    undispatched = sa.text("dispatched IS NULL")
    op.create_index(
        "ix_dispatch_queue_undispatched",
        "dispatch_queue",
        ["seq"],
        sqlite_where=undispatched,
        postgresql_where=undispatched,
    )
    op.create_index("ix_dispatch_queue_area", "dispatch_queue", ["scheme", "area_id", "seq"])
    op.create_index("ix_dispatch_queue_created", "dispatch_queue", ["created"])


def downgrade() -> None:
    op.drop_index("ix_dispatch_queue_created", table_name="dispatch_queue")
    op.drop_index("ix_dispatch_queue_area", table_name="dispatch_queue")
    op.drop_index("ix_dispatch_queue_undispatched", table_name="dispatch_queue")
    op.drop_table("dispatch_queue")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("event_ids")
