"""A sync result as JSON: per object what was applied, pruned, skipped or failed, and why.

Keys follow the audit JSON (DESIGN.md section 5): camelCase, resources as group/version-less
`{group, kind, namespace, name}`.
"""

from __future__ import annotations

from typing import Any

from auditor.model import ObjectAction, SyncResult


def sync_json(result: SyncResult) -> dict[str, Any]:
    return {
        "app": result.app,
        "cluster": result.cluster,
        "dryRun": result.dry_run,
        "prune": result.prune,
        "blockedBy": result.blocked_by,
        "error": result.error,
        "sync": str(result.sync),
        "done": result.done,
        "actions": [_action(a) for a in result.actions],
    }


def _action(action: ObjectAction) -> dict[str, Any]:
    out: dict[str, Any] = {
        "group": action.key.group,
        "kind": action.key.kind,
        "namespace": action.key.namespace,
        "name": action.key.name,
        "action": str(action.action),
        "reason": action.reason,
        "phase": action.phase,
        "wave": action.wave,
        "changes": [
            {"path": c.path, "desired": c.desired, "live": c.live, "manager": c.manager}
            for c in action.changes
        ],
    }
    if action.attempts:
        out["attempts"] = action.attempts
    if action.manager:
        out["fights"] = action.manager
    return out
