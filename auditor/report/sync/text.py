"""A sync result as plain text: one line per object (what, why), the fields a dry run would
change, and the app's status after."""

from __future__ import annotations

from auditor.model import ActionKind, SyncResult
from auditor.report.values import short

_DRY = {
    ActionKind.APPLIED: "would apply",
    ActionKind.PRUNED: "would prune",
    ActionKind.SKIPPED: "would skip",
    ActionKind.FAILED: "would fail",
    ActionKind.HOOK: "would run",
}


def sync_text(result: SyncResult) -> str:
    head = f"{result.app} ({result.cluster})"
    if result.dry_run:
        head += ": dry run, nothing written"
    lines = [head]
    if result.blocked_by:
        lines.append(f"  blocked: {result.blocked_by}")
    if result.error:
        lines.append(f"  error: {result.error}")
    if not result.actions and not (result.blocked_by or result.error):
        lines.append("  nothing to do")
    for action in result.actions:
        verb = _DRY[action.action] if result.dry_run else str(action.action)
        where = [action.phase] if action.phase != "Sync" else []
        where += [f"wave {action.wave}"] if action.wave else []
        extra = f" [{', '.join(where)}]" if where else ""
        retries = f" after {action.attempts} attempts" if action.attempts > 1 else ""
        lines.append(f"  {verb:<11} {action.key}{extra}: {action.reason}{retries}")
        for change in action.changes:
            lines.append(
                f"      {change.path}: {short(change.live)} -> {short(change.desired)}"
                + (f" (by {change.manager})" if change.manager else "")
            )
    after = "now" if not result.dry_run else "currently"
    lines.append(f"  {after} {result.sync}")
    return "\n".join(lines)
