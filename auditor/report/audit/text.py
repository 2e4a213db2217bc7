"""`diff --app` as text: `argocd app diff`'s layout, a unified diff per changed resource,
colored when writing to a terminal."""

from __future__ import annotations

from auditor.model import AppReport, HealthStatus, ResourceStatus
from auditor.report.values import health_text

_RED, _GREEN, _CYAN, _BOLD, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m"


def app_diff_text(app: AppReport, *, color: bool = False) -> str:
    """Each drifted resource's diff (with its health when it is not Healthy), then the
    app's line: `billing: OutOfSync, Healthy`."""
    if app.error:
        return f"{app.name}: {app.sync}: {app.error}\n"
    out: list[str] = []
    for drift in app.resources:
        if drift.status == ResourceStatus.SYNCED and not drift.unmanaged:
            continue
        key = drift.key
        group = f"{key.group}/" if key.group else ""
        header = f"===== {group}{key.kind} {key.namespace}/{key.name} ({drift.status}) ======"
        out.append(_paint(header, _BOLD, color))
        if drift.health is not None and drift.health.status != HealthStatus.HEALTHY:
            out.append(f"# health: {health_text(drift.health)}")
        for line in drift.diff.splitlines():
            out.append(_colored_line(line, color))
        for u in drift.unmanaged:
            when = f" at {u.time}" if u.time else ""
            out.append(f"# unmanaged: {u.path} written by {u.manager}{when}")
    out.append(f"{app.name}: {app.sync}, {health_text(app.health)}")
    return "\n".join(out) + "\n"


def _colored_line(line: str, color: bool) -> str:
    if line.startswith(("+++", "---")):
        return _paint(line, _BOLD, color)
    if line.startswith("+"):
        return _paint(line, _GREEN, color)
    if line.startswith("-"):
        return _paint(line, _RED, color)
    if line.startswith("@@"):
        return _paint(line, _CYAN, color)
    return line


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text
