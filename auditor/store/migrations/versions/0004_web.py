"""The web app's tables: apps.report (the last report of each app), api_tokens (hashed
bearer tokens with their RBAC role), deliveries (forge webhook deliveries seen)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 14:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("apps") as batch:
        batch.add_column(sa.Column("report", sa.Text(), nullable=False, server_default="{}"))
    op.create_table(
        "api_tokens",
        sa.Column("name", sa.String(253), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(253), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "deliveries",
        sa.Column("forge", sa.String(16), primary_key=True),
        sa.Column("delivery", sa.String(253), primary_key=True),
        sa.Column("event", sa.String(253), nullable=False, server_default=""),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_deliveries_received", "deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_received", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("api_tokens")
    with op.batch_alter_table("apps") as batch:
        batch.drop_column("report")
