"""Recording one audit of one app, in one transaction: the run, the app's new state, its
findings (opened, refreshed, resolved: each keeps first_seen, last_seen, resolved_at), its
policy violations, and the events of the transition (see `transitions`). An Unknown app
changes nothing but its status and error: findings stay as they were.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from auditor.model import AppReport, SyncStatus
from auditor.report.audit.json_out import app_json
from auditor.store import schema
from auditor.store.findings import (
    DRIFT_KINDS,
    FindingRow,
    ViolationRow,
    finding_rows,
    to_json,
    violation_rows,
)
from auditor.store.records import FindingKind, NewEvent, RunContext
from auditor.store.rows import app_state
from auditor.store.transitions import app_drift_fingerprint, transitions


def record_audit(
    conn: Connection, report: AppReport, *, context: RunContext
) -> tuple[int, list[NewEvent]]:
    """Store the run and everything it changed; returns the run id and the new events
    (the caller stores the events in the same transaction)."""
    now = context.finished_at
    _lock_app(conn, report.name)
    row = conn.execute(
        select(*schema.APP_STATE).where(schema.apps.c.name == report.name).with_for_update()
    ).first()
    previous = app_state(row._mapping) if row is not None else None
    rows = finding_rows(report)
    run_id = _insert_run(conn, report, context=context, rows=rows)
    sync = report.sync
    new_violations: list[ViolationRow] = []
    if sync != SyncStatus.UNKNOWN:
        kept = _reconcile_findings(
            conn, report.name, rows, now=now, run_id=run_id, read=context.read_types
        )
        if sync == SyncStatus.SYNCED and any(kind in DRIFT_KINDS for _, kind in kept):
            sync = SyncStatus.OUT_OF_SYNC  # drift in types this scoped audit did not read
            conn.execute(
                update(schema.audit_runs)
                .where(schema.audit_runs.c.id == run_id)
                .values(sync_status=str(sync))
            )
        opened = _reconcile_violations(conn, report.name, violation_rows(report), now=now)
        # An app's first audit is its baseline: what it already violates is stored, and
        # only violations that appear later are news.
        new_violations = opened if previous is not None else []
        findings = [(r.fingerprint, r.finding) for r in rows] + kept
        drift_fp = app_drift_fingerprint(report.name, sync, findings)
        report = replace(report, sync=sync)
    else:
        drift_fp = previous.drift_fingerprint if previous else ""
    if not drift_fp:
        drift_since = None
    elif previous is not None and previous.drift_since and previous.drift_fingerprint:
        drift_since = previous.drift_since
    else:
        drift_since = now
    events = transitions(
        report,
        previous=previous,
        drift_fp=drift_fp,
        drift_since=drift_since,
        new_violations=new_violations,
    )
    values: dict[str, Any] = {
        "project": report.project,
        "cluster": report.cluster,
        "namespace": report.namespace,
        "path": report.path,
        "mode": context.mode,
        "sync_status": str(report.sync),
        "health_status": _health(report),
        "health_message": report.health.message if report.health else "",
        "error": report.error,
        "revision": report.revision,
        "drift_fingerprint": drift_fp,
        "drift_since": drift_since,
        "last_run_id": run_id,
        "updated_at": now,
    }
    if sync != SyncStatus.UNKNOWN or row is None:
        # An Unknown audit read nothing: the dashboard keeps showing the last resources.
        values["report"] = json.dumps(app_json(report), default=str)
    if row is None:
        conn.execute(insert(schema.apps).values(name=report.name, **values))
    else:
        conn.execute(update(schema.apps).where(schema.apps.c.name == report.name).values(**values))
    return run_id, events


def _lock_app(conn: Connection, name: str) -> None:
    """Serialize the recordings of one app across workers, its first one included
    (`FOR UPDATE` locks only a row that exists). On PostgreSQL a transaction advisory
    lock on the name; SQLite's write transactions are serial already."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def _health(report: AppReport) -> str:
    """The app's health as stored: its status, empty when it was not assessed."""
    return str(report.health.status) if report.health else ""


def _insert_run(
    conn: Connection, report: AppReport, *, context: RunContext, rows: Sequence[FindingRow]
) -> int:
    result = conn.execute(
        insert(schema.audit_runs).values(
            app=report.name,
            cluster=report.cluster,
            trigger=str(context.trigger),
            revision=report.revision,
            started_at=context.started_at,
            finished_at=context.finished_at,
            duration_seconds=(context.finished_at - context.started_at).total_seconds(),
            api_requests=context.api_requests,
            sync_status=str(report.sync),
            health_status=_health(report),
            error=report.error,
            drifted=sum(1 for r in rows if r.finding != FindingKind.UNMANAGED),
            unmanaged=sum(1 for r in rows if r.finding == FindingKind.UNMANAGED),
            job_id=context.job_id,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def _reconcile_findings(
    conn: Connection,
    app: str,
    rows: Sequence[FindingRow],
    *,
    now: datetime,
    run_id: int,
    read: frozenset[tuple[str, str]] | None,
) -> list[tuple[str, FindingKind]]:
    """Open, refresh and resolve the app's findings; returns the open ones of types this
    audit did not read (kept as they were)."""
    table = schema.findings
    query = (
        select(table.c.id, table.c.fingerprint, table.c.group, table.c.kind, table.c.finding)
        .where(table.c.app == app)
        .where(table.c.resolved_at.is_(None))
    )
    open_rows: dict[str, int] = {}
    kept: list[tuple[str, FindingKind]] = []
    for r in conn.execute(query):
        if read is None or (r.group, r.kind) in read:
            open_rows[r.fingerprint] = r.id
        else:
            kept.append((r.fingerprint, FindingKind(r.finding)))
    current = {row.fingerprint: row for row in rows}
    for fp, row in current.items():
        values = {
            "desired": to_json(row.desired),
            "live": to_json(row.live),
            "manager": row.manager,
            "changed_at": row.changed_at,
            "last_seen": now,
            "last_run_id": run_id,
        }
        if fp in open_rows:
            conn.execute(update(table).where(table.c.id == open_rows[fp]).values(**values))
        else:
            conn.execute(
                insert(table).values(
                    app=app,
                    fingerprint=fp,
                    finding=str(row.finding),
                    group=row.key.group,
                    kind=row.key.kind,
                    namespace=row.key.namespace,
                    name=row.key.name,
                    path=row.path,
                    first_seen=now,
                    first_run_id=run_id,
                    **values,
                )
            )
    gone = [fid for fp, fid in open_rows.items() if fp not in current]
    if gone:
        conn.execute(update(table).where(table.c.id.in_(gone)).values(resolved_at=now))
    return kept


def _reconcile_violations(
    conn: Connection, app: str, rows: Sequence[ViolationRow], *, now: datetime
) -> list[ViolationRow]:
    """Open, refresh and resolve the app's violations; returns the newly opened ones."""
    table = schema.violations
    open_rows: Mapping[str, int] = {
        r.fingerprint: r.id
        for r in conn.execute(
            select(table.c.id, table.c.fingerprint)
            .where(table.c.app == app)
            .where(table.c.resolved_at.is_(None))
        )
    }
    current = {row.fingerprint: row for row in rows}
    fresh = []
    for fp, row in current.items():
        v = row.violation
        if fp in open_rows:
            conn.execute(
                update(table)
                .where(table.c.id == open_rows[fp])
                .values(last_seen=now, waived=v.waived)
            )
            continue
        key = v.resource
        conn.execute(
            insert(table).values(
                app=app,
                fingerprint=fp,
                policy=v.policy,
                severity=v.severity,
                message=v.message,
                group=key.group if key else "",
                kind=key.kind if key else "",
                namespace=key.namespace if key else "",
                name=key.name if key else "",
                waived=v.waived,
                first_seen=now,
                last_seen=now,
            )
        )
        fresh.append(row)
    gone = [vid for fp, vid in open_rows.items() if fp not in current]
    if gone:
        conn.execute(update(table).where(table.c.id.in_(gone)).values(resolved_at=now))
    return fresh
