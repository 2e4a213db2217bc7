"""The `apps` listing as a table or JSON, from a `Discovery`."""

from __future__ import annotations

from typing import Any

from auditor.model import App, Discovery
from auditor.report.table import format_table


def app_json(app: App) -> dict[str, Any]:
    return {
        "name": app.name,
        "project": app.project,
        "cluster": app.cluster,
        "namespace": app.destination.namespace,
        "repo": app.source.repo_url,
        "path": app.source.path,
        "targetRevision": app.source.target_revision,
        "mode": str(app.mode),
        "source": f"{app.origin.path}:{app.origin.line}" if app.origin else "config",
        "generatedBy": app.generated_by or None,
        "parent": app.parent or None,
        "error": app.error,
    }


def apps_json(discovery: Discovery) -> dict[str, Any]:
    return {
        "revision": discovery.revision,
        "apps": [app_json(a) for a in discovery.apps],
        "projects": [p.name for p in discovery.projects],
        "problems": list(discovery.problems),
    }


def apps_table(discovery: Discovery) -> str:
    headers = ["NAME", "PROJECT", "CLUSTER", "NAMESPACE", "PATH", "MODE", "FROM", "ERROR"]
    rows = []
    for app in discovery.apps:
        origin = app.generated_by and f"appset/{app.generated_by}"
        if not origin:
            origin = f"{app.origin.path}" if app.origin else "config"
        rows.append(
            [
                app.name,
                app.project,
                app.cluster,
                app.destination.namespace or "-",
                app.source.path,
                str(app.mode),
                origin,
                app.error or "",
            ]
        )
    return format_table(headers, rows)
