"""`check -o codeclimate`: GitLab's code quality report (a JSON array of Code Climate
issues), so merge requests show each finding at its file and line. Waived findings and
findings without a location are left out: GitLab needs a path for every issue."""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.report.policy.model import CheckReport, subject

_SEVERITY = {"deny": "major", "warn": "minor", "error": "critical"}


def render_codeclimate(report: CheckReport) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    for app in report.apps:
        for v in app.violations:
            if v.waived or v.source is None:
                continue
            description = f"{subject(v)}: {v.message}"
            identity = "\0".join((v.policy, app.name, subject(v), v.message))
            issues.append(
                {
                    "type": "issue",
                    "check_name": v.policy,
                    "description": description,
                    "categories": ["Security" if v.policy.startswith("security/") else "Style"],
                    "severity": _SEVERITY.get(v.severity, "major"),
                    # Stable across runs and line moves, distinct per finding.
                    "fingerprint": hashlib.sha256(identity.encode()).hexdigest(),
                    "location": {"path": v.source.path, "lines": {"begin": max(1, v.source.line)}},
                }
            )
    return issues
