"""`check -o sarif`: SARIF 2.1.0 for code-scanning UIs; each result points at the file
and line where the resource is declared in the repo (`Resource.source`)."""

from __future__ import annotations

from typing import Any

from auditor import __version__
from auditor.model import Violation
from auditor.report.policy.model import CheckReport, RuleDoc, subject

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"deny": "error", "error": "error", "warn": "warning"}


def render_sarif(report: CheckReport) -> dict[str, Any]:
    used = sorted({v.policy for app in report.apps for v in app.violations})
    rules = [_rule(report.rules.get(pid) or RuleDoc(id=pid)) for pid in used]
    index = {pid: i for i, pid in enumerate(used)}
    results = [
        _result(v, rule_index=index[v.policy]) for app in report.apps for v in app.violations
    ]
    level = "error" if report.unrendered == "error" else "warning"
    notifications = [
        {"level": level, "message": {"text": f"{app.name}: {app.error}"}}
        for app in report.apps
        if app.error
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gitops-auditor",
                "version": __version__,
                "informationUri": "https://github.com/gitops-auditor/gitops-auditor",
                "rules": rules,
            }
        },
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not (notifications and level == "error"),
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(doc: RuleDoc) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": doc.id,
        "defaultConfiguration": {"level": _LEVELS.get(doc.severity, "error")},
    }
    if doc.title:
        rule["shortDescription"] = {"text": doc.title}
    if doc.description:
        rule["fullDescription"] = {"text": doc.description}
    return rule


def _result(v: Violation, *, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": v.policy,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(v.severity, "error"),
        "message": {"text": f"{subject(v)}: {v.message}"},
        "properties": {"app": v.app, "severity": v.severity},
    }
    if v.source is not None:
        result["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": v.source.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(1, v.source.line)},
                }
            }
        ]
    if v.waived:
        result["suppressions"] = [{"kind": "inSource", "justification": v.waiver_reason}]
    return result
