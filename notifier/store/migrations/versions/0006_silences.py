"""silences: mute an area or a subscriber until a time (Alertmanager-style)

Revision ID: 0006_silences
Revises: 0004_outbox_lease
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0006_silences"
down_revision = "0005_replicas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target", sa.String(length=12), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("starts", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("ends", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("include_extreme", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index("ix_silences_ends", "silences", ["ends"])


def downgrade() -> None:
    op.drop_index("ix_silences_ends", table_name="silences")
    op.drop_table("silences")
