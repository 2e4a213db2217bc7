"""The store's tables (SQLAlchemy Core), one `MetaData` that the Alembic migrations in
`auditor/store/migrations` create and upgrade. Times are aware UTC; JSON columns hold
values already masked by the diff stage (Secret values never reach the store).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

NAME = 253  # a Kubernetes name, an app name
TEXT = 1024


def _when(name: str, *, nullable: bool = False) -> Column[Any]:
    return Column(name, DateTime(timezone=True), nullable=nullable)


apps = Table(
    "apps",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("project", String(NAME), nullable=False, default=""),
    Column("cluster", String(TEXT), nullable=False, default=""),
    Column("namespace", String(NAME), nullable=False, default=""),
    Column("path", String(TEXT), nullable=False, default=""),
    Column("mode", String(16), nullable=False, default="report"),
    Column("sync_status", String(16), nullable=False),
    Column("health_status", String(16), nullable=False, default=""),
    Column("health_message", Text, nullable=False, default=""),
    Column("error", Text, nullable=True),
    Column("revision", String(64), nullable=False, default=""),
    Column("drift_fingerprint", String(64), nullable=False, default=""),
    _when("drift_since", nullable=True),
    Column("snoozed_until", DateTime(timezone=True), nullable=True),
    Column("last_run_id", Integer, nullable=True),
    _when("updated_at"),
    # The last audit's report of the app (JSON, the report's shape, values masked): what
    # the dashboard and the API show of its resources, diffs and notes.
    Column("report", Text, nullable=False, default="{}"),
)

audit_runs = Table(
    "audit_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("cluster", String(TEXT), nullable=False, default=""),
    Column("trigger", String(16), nullable=False),
    Column("revision", String(64), nullable=False, default=""),
    _when("started_at"),
    _when("finished_at"),
    Column("duration_seconds", Float, nullable=False, default=0.0),
    Column("api_requests", Integer, nullable=False, default=0),
    Column("sync_status", String(16), nullable=False),
    Column("health_status", String(16), nullable=False, default=""),
    Column("error", Text, nullable=True),
    Column("drifted", Integer, nullable=False, default=0),
    Column("unmanaged", Integer, nullable=False, default=0),
    Column("job_id", String(TEXT), nullable=False, default=""),
    Index("ix_audit_runs_app_id", "app", "id"),
    Index("ix_audit_runs_finished", "finished_at"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("finding", String(16), nullable=False),  # drift, unmanaged, missing, extra
    Column("group", String(NAME), nullable=False, default=""),
    Column("kind", String(NAME), nullable=False),
    Column("namespace", String(NAME), nullable=False, default=""),
    Column("name", String(NAME), nullable=False),
    Column("path", Text, nullable=False, default=""),
    Column("desired", Text, nullable=True),  # JSON
    Column("live", Text, nullable=True),  # JSON
    Column("manager", String(NAME), nullable=False, default=""),
    Column("changed_at", String(40), nullable=False, default=""),
    _when("first_seen"),
    _when("last_seen"),
    _when("resolved_at", nullable=True),
    Column("first_run_id", Integer, nullable=True),
    Column("last_run_id", Integer, nullable=True),
    Index("ix_findings_app_open", "app", "resolved_at"),
    Index("ix_findings_fingerprint", "fingerprint"),
)

violations = Table(
    "violations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("policy", String(TEXT), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("group", String(NAME), nullable=False, default=""),
    Column("kind", String(NAME), nullable=False, default=""),
    Column("namespace", String(NAME), nullable=False, default=""),
    Column("name", String(NAME), nullable=False, default=""),
    Column("waived", Boolean, nullable=False, default=False),
    _when("first_seen"),
    _when("last_seen"),
    _when("resolved_at", nullable=True),
    Index("ix_violations_app_open", "app", "resolved_at"),
)

sync_ops = Table(
    "sync_ops",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("cluster", String(TEXT), nullable=False, default=""),
    Column("actor", String(NAME), nullable=False, default=""),
    Column("via", String(16), nullable=False, default=""),
    Column("trigger", String(16), nullable=False, default="manual"),  # manual, heal
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("prune", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),  # running, succeeded, failed, blocked
    _when("started_at"),
    _when("finished_at", nullable=True),
    Column("blocked_by", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("sync_status", String(16), nullable=False, default=""),
    Column("actions", Text, nullable=False, default="[]"),  # JSON, per object
    Column("job_id", String(TEXT), nullable=False, default=""),
    Index("ix_sync_ops_app_id", "app", "id"),
)

pull_requests = Table(
    "pull_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("fingerprint", String(64), nullable=False, default=""),
    Column("branch", String(TEXT), nullable=False, default=""),
    Column("url", String(TEXT), nullable=False, default=""),
    Column("number", Integer, nullable=False, default=0),
    Column("created", Boolean, nullable=False, default=False),
    Column("error", Text, nullable=True),
    _when("at"),
    Index("ix_pull_requests_app", "app"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False),
    Column("type", String(32), nullable=False),
    Column("fingerprint", String(64), nullable=False, default=""),
    Column("payload", Text, nullable=False, default="{}"),  # JSON
    _when("at"),
    Index("ix_events_app", "app", "id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _when("at"),
    Column("actor", String(NAME), nullable=False),
    Column("via", String(16), nullable=False),  # cli, slack, web, api, service
    Column("source", String(TEXT), nullable=False, default=""),  # host, address, channel
    Column("action", String(32), nullable=False),
    Column("target", String(TEXT), nullable=False, default=""),
    Column("result", String(32), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),  # JSON
    Index("ix_audit_log_at", "at"),
)

heal_events = Table(
    "heal_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(NAME), nullable=False, index=True),
    Column("cluster", String(NAME), nullable=False),
    Column("resource", String(TEXT), nullable=False),
    _when("time"),
    Column("fields", Text, nullable=False, default="[]"),
    Column("manager", String(NAME), nullable=False, default=""),
)

cursors = Table(  # how far each notifier has delivered the events
    "cursors",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("event_id", Integer, nullable=False, default=0),
)

repo_heads = Table(
    "repo_heads",
    metadata,
    Column("repo", String(TEXT), primary_key=True),
    Column("ref", String(TEXT), primary_key=True),
    Column("sha", String(64), nullable=False),
    _when("polled_at"),
)

notifications = Table(  # messages notifiers sent: updated in place, never sent twice
    "notifications",
    metadata,
    Column("notifier", String(NAME), primary_key=True),
    Column("channel", String(NAME), primary_key=True),
    Column("key", String(TEXT), primary_key=True),  # which message: app and drift episode
    Column("app", String(NAME), nullable=False),
    Column("message", String(NAME), nullable=False),  # the notifier's id of it (Slack's ts)
    Column("event_id", Integer, nullable=False),  # the last event it showed
    _when("sent_at"),
)


# The apps table without the report: what every read of apps' states selects.
APP_STATE = tuple(c for c in apps.c if c.name != "report")

api_tokens = Table(  # the API's bearer tokens: only a hash is kept, never the token
    "api_tokens",
    metadata,
    Column("name", String(NAME), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, hex
    Column("role", String(NAME), nullable=False),  # an RBAC subject: role:readonly, role:ops
    _when("created_at"),
    _when("last_used_at", nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
)

deliveries = Table(  # forge webhook deliveries seen: the same delivery again is a replay
    "deliveries",
    metadata,
    Column("forge", String(16), primary_key=True),
    Column("delivery", String(NAME), primary_key=True),
    Column("event", String(NAME), nullable=False, default=""),
    _when("received_at"),
    Index("ix_deliveries_received", "received_at"),
)
