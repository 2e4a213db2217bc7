"""What the dashboard and the API read, in one place so both show the same thing: the apps
list (filtered, sorted, paged), one app in the JSON report's shape with each finding's
`firstSeen`, and its JSON item. Pure functions over the store's records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.store import Store
from auditor.store.records import (
    AppState,
    AppSummary,
    AuditRun,
    Finding,
    FindingKind,
    StoredPullRequest,
    SyncOp,
)

SORTS = ("name", "status", "drift", "age", "violations", "cluster", "project")
STATUSES = ("Synced", "OutOfSync", "Unknown")
SEVERITIES = ("error", "deny", "warn")  # a policy error, then deny and warn rules
_STATUS_RANK = {"OutOfSync": 0, "Unknown": 1, "Synced": 2}


@dataclass(frozen=True)
class AppQuery:
    """The apps list's filters and order. Each sort key's own order is the useful one
    (name A-Z, status OutOfSync first, most drift, oldest drift, most violations); `-`
    before it reverses it."""

    status: str = ""
    project: str = ""
    cluster: str = ""
    text: str = ""
    sort: str = "name"

    @property
    def key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def select_apps(summaries: Iterable[AppSummary], query: AppQuery) -> list[AppSummary]:
    """The apps matching every filter (text: a case-insensitive part of the name, path,
    namespace or error), in the query's order (ties by name)."""
    text = query.text.strip().lower()
    chosen = [
        s
        for s in summaries
        if (not query.status or s.state.sync_status == query.status)
        and (not query.project or s.state.project == query.project)
        and (not query.cluster or s.state.cluster == query.cluster)
        and (not text or text in _haystack(s.state))
    ]
    chosen.sort(key=lambda s: s.state.name)
    chosen.sort(key=_sort_key(query.key), reverse=query.descending)
    return chosen


def _haystack(state: AppState) -> str:
    return " ".join((state.name, state.path, state.namespace, state.error or "")).lower()


def _sort_key(key: str) -> Any:
    far = datetime.max.replace(tzinfo=None)
    keys: dict[str, Any] = {
        "name": lambda s: s.state.name,
        "status": lambda s: _STATUS_RANK.get(s.state.sync_status, 3),
        "drift": lambda s: -s.drifted - s.findings.get(FindingKind.UNMANAGED, 0),
        # Oldest drift first; apps in sync last.
        "age": lambda s: s.state.drift_since.replace(tzinfo=None) if s.state.drift_since else far,
        "violations": lambda s: tuple(-s.violations.get(v, 0) for v in SEVERITIES),
        "cluster": lambda s: s.state.cluster,
        "project": lambda s: s.state.project,
    }
    return keys.get(key, keys["name"])


def when(moment: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 in UTC with `Z`."""
    if moment is None:
        return None
    return moment.isoformat().replace("+00:00", "Z")


def app_item(summary: AppSummary) -> dict[str, Any]:
    """One app of the apps list, as the API gives it."""
    state = summary.state
    return {
        "name": state.name,
        "project": state.project,
        "cluster": state.cluster,
        "namespace": state.namespace,
        "path": state.path,
        "mode": state.mode,
        "sync": state.sync_status,
        "health": {"status": state.health_status, "message": state.health_message}
        if state.health_status
        else None,
        "error": state.error,
        "revision": state.revision,
        "drifted": summary.drifted,
        "unmanaged": int(summary.findings.get(FindingKind.UNMANAGED, 0)),
        "driftSince": when(state.drift_since),
        "violations": {v: int(summary.violations.get(v, 0)) for v in SEVERITIES},
        "snoozedUntil": when(state.snoozed_until),
        "auditedAt": when(state.updated_at),
    }


def app_detail(store: Store, state: AppState) -> dict[str, Any] | None:
    """The app's last report (DESIGN.md section 5's shape) with `firstSeen` on each
    resource, change and unmanaged field that is an open finding, and the app's
    `driftSince` and `auditedAt` (from `state`, as the caller read it); None: the app is
    gone from the store."""
    name = state.name
    report = store.app_report(name)
    if report is None:
        return None
    seen = first_seen(store.findings(app=name))
    for resource in report.get("resources", []):
        ident = _ident(resource)
        resource["firstSeen"] = when(seen.get((*ident, "")))
        for change in resource.get("changes", []):
            change["firstSeen"] = when(seen.get((*ident, change.get("path", ""))))
        for field in resource.get("unmanaged", []):
            field["firstSeen"] = when(seen.get((*ident, field.get("path", ""))))
    report.setdefault("name", name)
    report["sync"] = state.sync_status  # the store's: a scoped audit keeps other drift
    report["driftSince"] = when(state.drift_since)
    report["auditedAt"] = when(state.updated_at)
    return report


def _ident(resource: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(resource.get("group") or ""),
        str(resource.get("kind") or ""),
        str(resource.get("namespace") or ""),
        str(resource.get("name") or ""),
    )


def first_seen(findings: Sequence[Finding]) -> dict[tuple[str, str, str, str, str], datetime]:
    """When each open finding was first seen, by (group, kind, namespace, name, path); a
    resource's own entry (path "") is its earliest finding."""
    out: dict[tuple[str, str, str, str, str], datetime] = {}
    for f in findings:
        for path in {f.path, ""}:
            key = (f.group, f.kind, f.namespace, f.name, path)
            if key not in out or f.first_seen < out[key]:
                out[key] = f.first_seen
    return out


def finding_item(f: Finding) -> dict[str, Any]:
    return {
        "app": f.app,
        "fingerprint": f.fingerprint,
        "finding": str(f.finding),
        "group": f.group,
        "kind": f.kind,
        "namespace": f.namespace,
        "name": f.name,
        "path": f.path,
        "desired": f.desired,
        "live": f.live,
        "manager": f.manager or None,
        "changedAt": f.changed_at or None,
        "firstSeen": when(f.first_seen),
        "lastSeen": when(f.last_seen),
        "resolvedAt": when(f.resolved_at),
    }


def run_item(run: AuditRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "app": run.app,
        "cluster": run.cluster,
        "trigger": run.trigger,
        "revision": run.revision,
        "startedAt": when(run.started_at),
        "finishedAt": when(run.finished_at),
        "seconds": round(run.duration_seconds, 3),
        "apiRequests": run.api_requests,
        "sync": run.sync_status,
        "error": run.error,
        "drifted": run.drifted,
        "unmanaged": run.unmanaged,
        "job": run.job_id or None,
    }


def sync_item(op: SyncOp) -> dict[str, Any]:
    return {
        "id": op.id,
        "app": op.app,
        "cluster": op.cluster,
        "actor": op.actor,
        "via": op.via,
        "trigger": op.trigger,
        "dryRun": op.dry_run,
        "prune": op.prune,
        "status": op.status,
        "startedAt": when(op.started_at),
        "finishedAt": when(op.finished_at),
        "blockedBy": op.blocked_by,
        "error": op.error,
        "sync": op.sync_status or None,
        "actions": [dict(a) for a in op.actions],
        "job": op.job_id or None,
    }


def pull_item(pr: StoredPullRequest) -> dict[str, Any]:
    return {
        "id": pr.id,
        "app": pr.app,
        "branch": pr.branch,
        "url": pr.url or None,
        "number": pr.number or None,
        "created": pr.created,
        "error": pr.error,
        "at": when(pr.at),
    }
