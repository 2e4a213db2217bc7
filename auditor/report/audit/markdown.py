"""The audit as markdown (a PR comment or a ticket): summary table (with policy counts),
then per-app details: drifted fields, then policy violations."""

from __future__ import annotations

from auditor.model import AppReport, AuditReport, ResourceStatus, SyncStatus
from auditor.report.audit.table import policy_counts
from auditor.report.values import short

_ICON = {SyncStatus.SYNCED: "✅", SyncStatus.OUT_OF_SYNC: "⚠️", SyncStatus.UNKNOWN: "❓"}


def audit_markdown(report: AuditReport) -> str:
    lines = [
        f"## gitops-auditor: {_headline(report)}",
        "",
        f"Revision `{report.revision[:12]}` at {report.generated_at}.",
        "",
        "| App | Cluster | Namespace | Sync | Health | Policies | Details |",
        "|---|---|---|---|---|---|---|",
    ]
    for app in report.apps:
        detail = app.error or _counts(app)
        lines.append(
            f"| {app.name} | {app.cluster} | {app.namespace or '-'} "
            f"| {_ICON[app.sync]} {app.sync} | {app.health.status if app.health else '-'} "
            f"| {policy_counts(app) or '-'} | {_cell(detail)} |"
        )
    for app in report.apps:
        section = app_markdown(app)
        if section:
            lines += ["", section]
    return "\n".join(lines) + "\n"


def app_markdown(app: AppReport) -> str:
    """Who changed what, and when, for one app (empty when there is nothing to say)."""
    rows = []
    for drift in app.resources:
        what = f"{drift.key.kind}/{drift.key.name}"
        if drift.status in (ResourceStatus.MISSING, ResourceStatus.EXTRA):
            rows.append(f"| {what} | *{drift.status}* | | | | |")
        for c in drift.changes:
            rows.append(
                f"| {what} | `{c.path}` | {_cell(short(c.desired))} | {_cell(short(c.live))} "
                f"| {c.manager or '-'} | {c.time or '-'} |"
            )
        for u in drift.unmanaged:
            rows.append(
                f"| {what} | `{u.path}` (unmanaged) | - | {_cell(short(u.live))} "
                f"| {u.manager} | {u.time or '-'} |"
            )
    out = [f"### {app.name}"] if rows or app.violations else []
    if rows:
        out += [
            "",
            "| Resource | Field | Git | Live | Changed by | At |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    if app.violations:
        out += ["", "| Severity | Policy | Resource | Message |", "|---|---|---|---|"]
        out += [
            f"| {v.severity}{' (waived)' if v.waived else ''} | `{v.policy}` "
            f"| {f'{v.resource.kind}/{v.resource.name}' if v.resource else '-'} "
            f"| {_cell(v.message)} |"
            for v in app.violations
        ]
    return "\n".join(out)


def _headline(report: AuditReport) -> str:
    counts = {s: sum(1 for a in report.apps if a.sync == s) for s in SyncStatus}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no apps"


def _counts(app: AppReport) -> str:
    parts = []
    for status in (ResourceStatus.OUT_OF_SYNC, ResourceStatus.MISSING, ResourceStatus.EXTRA):
        n = sum(1 for d in app.resources if d.status == status)
        if n:
            parts.append(f"{n} {status}")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
