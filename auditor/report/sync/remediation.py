"""What `audit --heal/--pr` did, as text and JSON (pure renderers)."""

from __future__ import annotations

from typing import Any

from auditor.model import Remediation
from auditor.report.sync.json_out import sync_json
from auditor.report.sync.text import sync_text


def remediation_json(outcome: Remediation) -> dict[str, Any]:
    """The syncs and pull requests of `audit --heal/--pr`, for `audit -o json`."""
    return {
        "syncs": [sync_json(s) for s in outcome.syncs],
        "pullRequests": [
            {
                "app": a.app,
                "branch": a.branch,
                "fingerprint": a.fingerprint,
                "url": a.pr_url,
                "number": a.pr_number,
                "created": a.created,
                "files": list(a.files),
                "skipped": list(a.skipped),
                "error": a.error,
            }
            for a in outcome.adopts
        ],
    }


def remediation_text(outcome: Remediation) -> str:
    lines = ["", "Remediation:"] if outcome.syncs or outcome.adopts else ["", "Remediation: none"]
    lines += [sync_text(s) for s in outcome.syncs]
    for a in outcome.adopts:
        if a.error:
            lines.append(f"{a.app}: no pull request: {a.error}")
        else:
            verb = "opened" if a.created else "updated"
            lines.append(f"{a.app}: {verb} {a.pr_url or a.branch} (branch {a.branch})")
    return "\n".join(lines)
