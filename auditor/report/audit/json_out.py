"""The audit report as JSON, exactly the shape of DESIGN.md section 5 (plus Argo CD's
`health` of each app and resource, `notes` and, with `--stats`, `stats`)."""

from __future__ import annotations

from typing import Any

from auditor.model import AppReport, AuditReport, Health, ResourceDrift
from auditor.report.policy.json_report import violation_json


def health_json(health: Health | None) -> dict[str, str] | None:
    """Argo CD's `{"status": ..., "message": ...}`; null for a kind with no health check."""
    if health is None:
        return None
    return {"status": str(health.status), "message": health.message}


def drift_json(drift: ResourceDrift) -> dict[str, Any]:
    key = drift.key
    return {
        "group": key.group,
        "version": drift.version,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "status": str(drift.status),
        "health": health_json(drift.health),
        "requiresPruning": drift.requires_pruning,
        "sharedWith": list(drift.shared_with),
        "changes": [
            {
                "path": c.path,
                "desired": c.desired,
                "live": c.live,
                "manager": c.manager or None,
                "time": c.time or None,
            }
            for c in drift.changes
        ],
        "unmanaged": [
            {"path": u.path, "live": u.live, "manager": u.manager, "time": u.time or None}
            for u in drift.unmanaged
        ],
        "diff": drift.diff,
    }


def app_json(app: AppReport) -> dict[str, Any]:
    return {
        "name": app.name,
        "project": app.project,
        "cluster": app.cluster,
        "namespace": app.namespace,
        "path": app.path,
        "revision": app.revision,
        "sync": str(app.sync),
        "health": health_json(app.health),
        "error": app.error,
        "resources": [drift_json(d) for d in app.resources],
        "violations": [violation_json(v) for v in app.violations],
        "notes": list(app.notes),
    }


def audit_json(report: AuditReport, *, stats: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "revision": report.revision,
        "generatedAt": report.generated_at,
        "apps": [app_json(a) for a in report.apps],
    }
    if stats:
        out["stats"] = {
            "apiRequests": dict(report.stats.requests),
            "apiRequestsTotal": sum(report.stats.requests.values()),
            "renders": report.stats.renders,
            "renderCacheHits": report.stats.render_cache_hits,
            "diffs": report.stats.diffs,
            "diffsReused": report.stats.diffs_reused,
            "seconds": report.stats.seconds,
            "stageSeconds": {k: round(v, 3) for k, v in report.stats.stages.items()},
        }
    return out
