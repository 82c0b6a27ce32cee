"""trust: reports ledger and the sources of each event

Revision ID: 0003_trust_reports
Revises: 0002
Create Date: 2026-12-04 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import notifier.store.tables

revision = "0003_trust_reports"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme", sa.String(length=50), nullable=False),
        sa.Column("area_id", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("trust", sa.String(length=12), nullable=False),
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("document_id", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("announcement", sa.Text(), nullable=False),
        sa.Column("reported_at", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("created", notifier.store.tables.UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("needs", sa.String(length=20), nullable=False),
        sa.Column("decided", notifier.store.tables.UtcDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "source_id",
            "document_id",
            "scheme",
            "area_id",
            "level",
            "action",
            name="uq_reports_report",
        ),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reports_key", ["scheme", "area_id", "level", "action", "reported_at"], unique=False
        )
        batch_op.create_index("ix_reports_status", ["status"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sources", sa.Text(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("sources")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_status")
        batch_op.drop_index("ix_reports_key")
    op.drop_table("reports")
