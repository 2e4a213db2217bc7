"""Database rows to the store's records (`records`), in one place: times come back as
aware UTC (SQLite returns naive datetimes: they were stored as UTC), JSON text as values.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import RowMapping

from auditor.store.findings import from_json
from auditor.store.records import (
    Actor,
    AppState,
    AuditRun,
    Event,
    EventType,
    Finding,
    FindingKind,
    LogEntry,
    StoredPullRequest,
    StoredViolation,
    SyncOp,
)

Row = RowMapping


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def maybe_utc(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


def app_state(row: Row) -> AppState:
    return AppState(
        name=row["name"],
        project=row["project"],
        cluster=row["cluster"],
        namespace=row["namespace"],
        path=row["path"],
        mode=row["mode"],
        sync_status=row["sync_status"],
        health_status=row["health_status"] or "",
        health_message=row["health_message"] or "",
        error=row["error"],
        revision=row["revision"],
        drift_fingerprint=row["drift_fingerprint"] or "",
        drift_since=maybe_utc(row["drift_since"]),
        snoozed_until=maybe_utc(row["snoozed_until"]),
        last_run_id=row["last_run_id"],
        updated_at=utc(row["updated_at"]),
    )


def finding(row: Row) -> Finding:
    return Finding(
        app=row["app"],
        fingerprint=row["fingerprint"],
        finding=FindingKind(row["finding"]),
        group=row["group"],
        kind=row["kind"],
        namespace=row["namespace"],
        name=row["name"],
        path=row["path"],
        desired=from_json(row["desired"]),
        live=from_json(row["live"]),
        manager=row["manager"],
        changed_at=row["changed_at"],
        first_seen=utc(row["first_seen"]),
        last_seen=utc(row["last_seen"]),
        resolved_at=maybe_utc(row["resolved_at"]),
    )


def violation(row: Row) -> StoredViolation:
    return StoredViolation(
        app=row["app"],
        fingerprint=row["fingerprint"],
        policy=row["policy"],
        severity=row["severity"],
        message=row["message"],
        kind=row["kind"],
        namespace=row["namespace"],
        name=row["name"],
        waived=bool(row["waived"]),
        first_seen=utc(row["first_seen"]),
        resolved_at=maybe_utc(row["resolved_at"]),
    )


def audit_run(row: Row) -> AuditRun:
    return AuditRun(
        id=row["id"],
        app=row["app"],
        cluster=row["cluster"],
        trigger=row["trigger"],
        revision=row["revision"],
        started_at=utc(row["started_at"]),
        finished_at=utc(row["finished_at"]),
        duration_seconds=float(row["duration_seconds"]),
        api_requests=int(row["api_requests"]),
        sync_status=row["sync_status"],
        error=row["error"],
        drifted=int(row["drifted"]),
        unmanaged=int(row["unmanaged"]),
        job_id=row["job_id"],
    )


def sync_op(row: Row) -> SyncOp:
    return SyncOp(
        id=row["id"],
        app=row["app"],
        cluster=row["cluster"],
        actor=row["actor"],
        via=row["via"],
        trigger=row["trigger"],
        dry_run=bool(row["dry_run"]),
        prune=bool(row["prune"]),
        status=row["status"],
        started_at=utc(row["started_at"]),
        finished_at=maybe_utc(row["finished_at"]),
        blocked_by=row["blocked_by"],
        error=row["error"],
        sync_status=row["sync_status"],
        actions=tuple(json.loads(row["actions"] or "[]")),
        job_id=row["job_id"],
    )


def pull_request(row: Row) -> StoredPullRequest:
    return StoredPullRequest(
        id=row["id"],
        app=row["app"],
        fingerprint=row["fingerprint"],
        branch=row["branch"],
        url=row["url"],
        number=int(row["number"]),
        created=bool(row["created"]),
        error=row["error"],
        at=utc(row["at"]),
    )


def event(row: Row) -> Event:
    return Event(
        id=row["id"],
        app=row["app"],
        type=EventType(row["type"]),
        fingerprint=row["fingerprint"],
        payload=json.loads(row["payload"] or "{}"),
        at=utc(row["at"]),
    )


def log_entry(row: Row) -> LogEntry:
    return LogEntry(
        id=row["id"],
        at=utc(row["at"]),
        actor=Actor(user=row["actor"], via=row["via"], source=row["source"]),
        action=row["action"],
        target=row["target"],
        result=row["result"],
        detail=json.loads(row["detail"] or "{}"),
    )
