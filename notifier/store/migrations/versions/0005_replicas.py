"""replicas: the shared SMS send rate (a row per sender with its next free send time)

Revision ID: 0005_replicas
Revises: 0004_outbox_lease
Create Date: 2026-12-04 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_replicas"
down_revision = "0004_outbox_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_rate",
        sa.Column("sender", sa.String(200), primary_key=True),
        sa.Column("next_free", sa.Double(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_rate")
