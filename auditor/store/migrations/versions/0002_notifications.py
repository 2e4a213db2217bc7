"""notifications: the messages notifiers sent, to update them in place and never twice

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("notifier", sa.String(length=253), nullable=False),
        sa.Column("channel", sa.String(length=253), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("message", sa.String(length=253), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("notifier", "channel", "key"),
    )


def downgrade() -> None:
    op.drop_table("notifications")
