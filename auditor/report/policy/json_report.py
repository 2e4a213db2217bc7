"""`check -o json`: the check as one JSON document (violations as in DESIGN.md section 5)."""

from __future__ import annotations

from typing import Any

from auditor.model import Violation
from auditor.report.policy.model import CheckReport


def violation_json(v: Violation) -> dict[str, Any]:
    resource = None
    if v.resource is not None:
        resource = {
            "group": v.resource.group,
            "kind": v.resource.kind,
            "namespace": v.resource.namespace,
            "name": v.resource.name,
        }
    return {
        "policy": v.policy,
        "severity": v.severity,
        "message": v.message,
        "resource": resource,
        "app": v.app,
        "source": {"path": v.source.path, "line": v.source.line} if v.source else None,
        "details": dict(v.details),
        "waived": v.waived,
        "waiverReason": v.waiver_reason or None,
    }


def render_json(report: CheckReport) -> dict[str, Any]:
    return {
        "base": report.base or None,
        "head": report.head or None,
        "result": str(report.outcome),
        "summary": {s: report.total(s) for s in ("deny", "warn", "error")}
        | {"waived": sum(a.waived for a in report.apps)},
        "notes": list(report.notes),
        "apps": [
            {
                "name": app.name,
                "path": app.path,
                "error": app.error,
                "notes": list(app.notes),
                "violations": [violation_json(v) for v in app.violations],
                "diff": app.diff,
            }
            for app in report.apps
        ],
    }
