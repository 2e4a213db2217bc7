"""The store's reads for the dashboard and the API (and the web's own writes: API tokens,
forge deliveries): aggregates in SQL, so a page over 1,000 apps is a few queries.
Functions over a connection; `SqlStore` exposes them as methods.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from auditor.store import rows, schema
from auditor.store.records import (
    ApiToken,
    AppState,
    AppSummary,
    ClusterDrift,
    EventType,
)

TOUCH_EVERY = timedelta(minutes=5)  # how stale a token's last_used_at may get


def _tuples(conn: Connection, query: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in conn.execute(query)]


def generation(conn: Connection) -> tuple[Any, ...]:
    """What changes whenever the apps list would: every audit adds a run; snoozes change
    the snoozed apps' times (cheap to read: the list is cached by it, see `SqlStore`)."""
    runs = conn.execute(select(func.max(schema.audit_runs.c.id))).scalar()
    a = schema.apps
    snoozed = conn.execute(
        select(func.count(), func.min(a.c.snoozed_until), func.max(a.c.snoozed_until)).where(
            a.c.snoozed_until.is_not(None)
        )
    ).first()
    apps = conn.execute(select(func.count()).select_from(a)).scalar()
    return (runs, apps, *(tuple(snoozed) if snoozed else ()))


def app_summaries(conn: Connection) -> list[AppSummary]:
    """Every app with its open findings by kind and open, unwaived violations by severity."""
    f, v = schema.findings, schema.violations
    findings: dict[str, dict[str, int]] = defaultdict(dict)
    query = (
        select(f.c.app, f.c.finding, func.count())
        .where(f.c.resolved_at.is_(None))
        .group_by(f.c.app, f.c.finding)
    )
    for app, kind, count in _tuples(conn, query):
        findings[app][kind] = int(count)
    violations: dict[str, dict[str, int]] = defaultdict(dict)
    query = (
        select(v.c.app, v.c.severity, func.count())
        .where(v.c.resolved_at.is_(None))
        .where(v.c.waived.is_(False))
        .group_by(v.c.app, v.c.severity)
    )
    for app, severity, count in _tuples(conn, query):
        violations[app][severity] = int(count)
    apps = conn.execute(select(*schema.APP_STATE).order_by(schema.apps.c.name))
    return [
        AppSummary(
            state=(state := rows.app_state(r._mapping)),
            findings=findings.get(state.name, {}),
            violations=violations.get(state.name, {}),
        )
        for r in apps
    ]


def app_report(conn: Connection, name: str) -> dict[str, Any] | None:
    """The last report stored for the app (None: no such app)."""
    text = conn.execute(select(schema.apps.c.report).where(schema.apps.c.name == name)).scalar()
    if text is None:
        return None
    value = json.loads(text or "{}")
    return value if isinstance(value, dict) else {}


def drift_timeline(
    conn: Connection, *, since: datetime, until: datetime, points: int
) -> list[ClusterDrift]:
    """Drifted apps per cluster at `points` evenly spaced moments of [since, until]: the
    apps drifted now, walked back through the drift events of the window."""
    table = schema.apps
    apps: dict[str, str] = {}
    now_drifted: dict[str, set[str]] = defaultdict(set)
    query = select(table.c.name, table.c.cluster, table.c.drift_since)
    for name, cluster, since_drift in _tuples(conn, query):
        apps[name] = cluster
        if since_drift is not None:
            now_drifted[cluster].add(name)
    e = schema.events
    kinds = (str(EventType.DRIFT_DETECTED), str(EventType.DRIFT_RESOLVED))
    query = (
        select(e.c.app, e.c.type, e.c.at, e.c.payload)
        .where(e.c.type.in_(kinds))
        .where(e.c.at >= since)
        .order_by(e.c.id.desc())
    )
    changes = [
        (rows.utc(at), app, kind, bool(json.loads(payload or "{}").get("changed")))
        for app, kind, at, payload in _tuples(conn, query)
    ]
    step = (until - since) / max(1, points - 1)
    moments = [until - step * i for i in range(points)]  # newest first, like the walk
    state = {cluster: set(names) for cluster, names in now_drifted.items()}
    clusters = sorted(set(apps.values()) | set(state))
    series: dict[str, list[tuple[datetime, int]]] = {c: [] for c in clusters}
    pending = iter(changes)
    change = next(pending, None)
    for moment in moments:
        while change is not None and change[0] > moment:
            _, app, kind, changed = change
            drifted = state.setdefault(apps.get(app, ""), set())
            if kind == EventType.DRIFT_DETECTED:
                if not changed:  # a changed drift was drifted before too
                    drifted.discard(app)  # before it was detected, it was not drifted
            else:
                drifted.add(app)  # before it resolved, it was drifted
            change = next(pending, None)
        for cluster in clusters:
            series[cluster].append((moment, len(state.get(cluster, ()))))
    return [ClusterDrift(cluster=c, points=tuple(reversed(series[c]))) for c in clusters]


def top_managers(conn: Connection, *, limit: int) -> list[tuple[str, int]]:
    """The field managers behind the most open drift and unmanaged changes."""
    f = schema.findings
    count = func.count().label("n")
    query = (
        select(f.c.manager, count)
        .where(f.c.resolved_at.is_(None))
        .where(f.c.manager != "")
        .group_by(f.c.manager)
        .order_by(count.desc(), f.c.manager)
        .limit(limit)
    )
    return [(manager, int(n)) for manager, n in _tuples(conn, query)]


def oldest_drift(conn: Connection, *, limit: int) -> list[AppState]:
    a = schema.apps
    query = (
        select(*schema.APP_STATE)
        .where(a.c.drift_since.is_not(None))
        .order_by(a.c.drift_since)
        .limit(limit)
    )
    return [rows.app_state(r._mapping) for r in conn.execute(query)]


# ---- API tokens ----------------------------------------------------------------------
def _token(row: Any) -> ApiToken:
    return ApiToken(
        name=row.name,
        role=row.role,
        created_at=rows.utc(row.created_at),
        last_used_at=rows.maybe_utc(row.last_used_at),
        revoked=bool(row.revoked),
    )


def add_token(conn: Connection, *, name: str, role: str, token_hash: str, at: datetime) -> bool:
    """A new token (False: the name is taken)."""
    t = schema.api_tokens
    if conn.execute(select(t.c.name).where(t.c.name == name)).first() is not None:
        return False
    conn.execute(insert(t).values(name=name, role=role, token_hash=token_hash, created_at=at))
    return True


def token_by_hash(conn: Connection, token_hash: str) -> ApiToken | None:
    t = schema.api_tokens
    row = conn.execute(
        select(t).where(t.c.token_hash == token_hash).where(t.c.revoked.is_(False))
    ).first()
    return _token(row) if row is not None else None


def touch_token(conn: Connection, name: str, *, at: datetime) -> None:
    t = schema.api_tokens
    conn.execute(update(t).where(t.c.name == name).values(last_used_at=at))


def tokens(conn: Connection) -> list[ApiToken]:
    t = schema.api_tokens
    return [_token(r) for r in conn.execute(select(t).order_by(t.c.name))]


def revoke_token(conn: Connection, name: str) -> bool:
    t = schema.api_tokens
    done = conn.execute(update(t).where(t.c.name == name).values(revoked=True)).rowcount
    return bool(done)


# ---- forge deliveries ----------------------------------------------------------------
def first_delivery(
    conn: Connection, *, forge: str, delivery: str, event: str, at: datetime
) -> bool:
    """Remember a webhook delivery; False when it was seen before (a replay)."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(schema.deliveries).values(
                    forge=forge, delivery=delivery, event=event[:253], received_at=at
                )
            )
    except IntegrityError:
        return False
    return True


def forget_delivery(conn: Connection, *, forge: str, delivery: str) -> None:
    """Forget a delivery that could not be acted on, so the forge's redelivery is taken."""
    d = schema.deliveries
    conn.execute(delete(d).where(d.c.forge == forge).where(d.c.delivery == delivery))
