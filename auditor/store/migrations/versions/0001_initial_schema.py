"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-02 13:05:48.867724
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("project", sa.String(length=253), nullable=False),
        sa.Column("cluster", sa.String(length=1024), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("health_status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("drift_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("drift_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=253), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=1024), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)

    op.create_table(
        "audit_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("cluster", sa.String(length=1024), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("api_requests", sa.Integer(), nullable=False),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("health_status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("drifted", sa.Integer(), nullable=False),
        sa.Column("unmanaged", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_runs", schema=None) as batch_op:
        batch_op.create_index("ix_audit_runs_app_id", ["app", "id"], unique=False)
        batch_op.create_index("ix_audit_runs_finished", ["finished_at"], unique=False)

    op.create_table(
        "cursors",
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_app", ["app", "id"], unique=False)

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("group", sa.String(length=253), nullable=False),
        sa.Column("kind", sa.String(length=253), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("desired", sa.Text(), nullable=True),
        sa.Column("live", sa.Text(), nullable=True),
        sa.Column("manager", sa.String(length=253), nullable=False),
        sa.Column("changed_at", sa.String(length=40), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_run_id", sa.Integer(), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_app_open", ["app", "resolved_at"], unique=False)
        batch_op.create_index("ix_findings_fingerprint", ["fingerprint"], unique=False)

    # Stores made before the migrations already hold the loop guard's heal events (the
    # same table, created directly): keep them.
    if not sa.inspect(op.get_bind()).has_table("heal_events"):
        op.create_table(
            "heal_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("app", sa.String(length=253), nullable=False),
            sa.Column("cluster", sa.String(length=253), nullable=False),
            sa.Column("resource", sa.String(length=1024), nullable=False),
            sa.Column("time", sa.DateTime(timezone=True), nullable=False),
            sa.Column("fields", sa.Text(), nullable=False),
            sa.Column("manager", sa.String(length=253), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("heal_events", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_heal_events_app"), ["app"], unique=False)

    op.create_table(
        "pull_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("branch", sa.String(length=1024), nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pull_requests", schema=None) as batch_op:
        batch_op.create_index("ix_pull_requests_app", ["app"], unique=False)

    op.create_table(
        "repo_heads",
        sa.Column("repo", sa.String(length=1024), nullable=False),
        sa.Column("ref", sa.String(length=1024), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=False),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("repo", "ref"),
    )
    op.create_table(
        "sync_ops",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("cluster", sa.String(length=1024), nullable=False),
        sa.Column("actor", sa.String(length=253), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("prune", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_by", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("actions", sa.Text(), nullable=False),
        sa.Column("job_id", sa.String(length=1024), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_ops", schema=None) as batch_op:
        batch_op.create_index("ix_sync_ops_app_id", ["app", "id"], unique=False)

    op.create_table(
        "violations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("app", sa.String(length=253), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=1024), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("group", sa.String(length=253), nullable=False),
        sa.Column("kind", sa.String(length=253), nullable=False),
        sa.Column("namespace", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=253), nullable=False),
        sa.Column("waived", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.create_index("ix_violations_app_open", ["app", "resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_index("ix_violations_app_open")

    op.drop_table("violations")
    with op.batch_alter_table("sync_ops", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_ops_app_id")

    op.drop_table("sync_ops")
    op.drop_table("repo_heads")
    with op.batch_alter_table("pull_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_pull_requests_app")

    op.drop_table("pull_requests")
    with op.batch_alter_table("heal_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_heal_events_app"))

    op.drop_table("heal_events")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_fingerprint")
        batch_op.drop_index("ix_findings_app_open")

    op.drop_table("findings")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_app")

    op.drop_table("events")
    op.drop_table("cursors")
    with op.batch_alter_table("audit_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_runs_finished")
        batch_op.drop_index("ix_audit_runs_app_id")

    op.drop_table("audit_runs")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
    op.drop_table("apps")
