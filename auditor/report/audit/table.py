"""The audit as a table: one row per app (sync, health, policy results counted), then each
drifted field with who changed it, then each policy violation."""

from __future__ import annotations

from auditor.model import AppReport, AuditReport, ResourceStatus, SyncStatus
from auditor.report.table import format_table
from auditor.report.values import short


def audit_table(report: AuditReport, *, stats: bool = False) -> str:
    rows = []
    for app in report.apps:
        counts = [
            f"{n} {s}"
            for s in (ResourceStatus.OUT_OF_SYNC, ResourceStatus.MISSING, ResourceStatus.EXTRA)
            if (n := sum(1 for d in app.resources if d.status == s))
        ]
        unmanaged = sum(len(d.unmanaged) for d in app.resources)
        if unmanaged:
            counts.append(f"{unmanaged} unmanaged")
        rows.append(
            [
                app.name,
                app.cluster,
                app.namespace or "-",
                str(app.sync),
                str(app.health.status) if app.health else "-",
                str(len(app.resources)),
                policy_counts(app) or "-",
                app.error or ", ".join(counts),
            ]
        )
    head = ["APP", "CLUSTER", "NAMESPACE", "SYNC", "HEALTH", "RESOURCES", "POLICIES", "DETAILS"]
    lines = [format_table(head, rows)]
    details = _details(report)
    if details:
        lines += ["", details]
    violations = _violations(report)
    if violations:
        lines += ["", violations]
    if stats:
        lines += ["", stats_line(report)]
    return "\n".join(lines)


def _details(report: AuditReport) -> str:
    rows = []
    for app in report.apps:
        if app.sync == SyncStatus.UNKNOWN:
            continue
        for drift in app.resources:
            what = f"{drift.key.kind}/{drift.key.name}"
            if drift.status in (ResourceStatus.MISSING, ResourceStatus.EXTRA):
                rows.append([app.name, what, str(drift.status), "", "", "", ""])
            for c in drift.changes:
                rows.append(
                    [
                        app.name,
                        what,
                        c.path,
                        short(c.desired),
                        short(c.live),
                        c.manager or "-",
                        c.time or "-",
                    ]
                )
            for u in drift.unmanaged:
                rows.append(
                    [
                        app.name,
                        what,
                        f"{u.path} (unmanaged)",
                        "-",
                        short(u.live),
                        u.manager,
                        u.time or "-",
                    ]
                )
    if not rows:
        return ""
    return format_table(["APP", "RESOURCE", "FIELD", "GIT", "LIVE", "CHANGED BY", "AT"], rows)


def policy_counts(app: AppReport) -> str:
    """`2 deny, 1 warn` (waived results apart): the policy column of an app."""
    counts = {s: 0 for s in ("error", "deny", "warn")}
    waived = 0
    for v in app.violations:
        if v.waived:
            waived += 1
        else:
            counts[v.severity] = counts.get(v.severity, 0) + 1
    parts = [f"{n} {s}" for s, n in counts.items() if n]
    return ", ".join(parts + ([f"{waived} waived"] if waived else []))


def _violations(report: AuditReport) -> str:
    rows = [
        [
            app.name,
            v.severity + (" (waived)" if v.waived else ""),
            v.policy,
            f"{v.resource.kind}/{v.resource.name}" if v.resource else "-",
            v.message,
        ]
        for app in report.apps
        for v in app.violations
    ]
    if not rows:
        return ""
    return format_table(["APP", "SEVERITY", "POLICY", "RESOURCE", "MESSAGE"], rows)


def stats_line(report: AuditReport) -> str:
    s = report.stats
    per_cluster = ", ".join(f"{name}: {n}" for name, n in sorted(s.requests.items()))
    return (
        f"{sum(s.requests.values())} API requests ({per_cluster}); "
        f"{s.renders} renders ({s.render_cache_hits} from cache); "
        f"{s.diffs} diffs ({s.diffs_reused} unchanged since the last); {s.seconds:.2f}s"
    )
