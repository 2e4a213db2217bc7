"""Pure result handling: raw rule values -> `Violation`s (conftest conventions).

Strings and objects with `msg` (optional `id`, `severity`, `details`) are accepted; the
policy id is the object's `id`, else the rule's METADATA `custom.id`, else
`<package>/<rule>`. Results excepted by an `exception` rule are kept, marked waived.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from auditor.model import Resource, Violation
from auditor.policy.engine import RawOutcome
from auditor.policy.library import PolicySet

DENY = "deny"
WARN = "warn"
ERROR = "error"
_SEVERITIES = {
    "deny": DENY,
    "violation": DENY,
    "error": DENY,
    "failure": DENY,
    "warn": WARN,
    "warning": WARN,
}


def rule_parts(rule: str) -> tuple[str, str]:
    """`deny_no_latest` -> (`deny`, `no_latest`); `warn` -> (`warn`, ``)."""
    prefix, _, suffix = rule.partition("_")
    return prefix, suffix


def policy_id(policies: PolicySet, *, package: str, rule: str) -> str:
    custom = policies.metadata(package, rule).get("custom") or {}
    declared = custom.get("id") if isinstance(custom, Mapping) else None
    return str(declared) if declared else f"{package}/{rule}"


def policy_ids(policies: PolicySet) -> Mapping[str, str]:
    """`<package>/<rule>` -> policy id, for every decision rule (computed once per set)."""
    known = _IDS.get(policies.digest)
    if known is None:
        known = _IDS[policies.digest] = _ids(policies)
    return known


_IDS: dict[str, Mapping[str, str]] = {}


def _ids(policies: PolicySet) -> Mapping[str, str]:
    return {
        f"{package}/{rule}": policy_id(policies, package=package, rule=rule)
        for package in policies.decision_packages()
        for rule in policies.rules_of(package)
    }


def to_violations(
    outcome: RawOutcome,
    *,
    policies: PolicySet,
    resource: Resource | None,
    app: str,
    ids: Mapping[str, str] | None = None,
) -> list[Violation]:
    """The violations (and policy errors) of one outcome, in a stable order."""
    ids = ids if ids is not None else policy_ids(policies)
    out: list[Violation] = []
    key = resource.key if resource else None
    source = resource.source if resource else None
    for rule_key, values in sorted(outcome.values.items()):
        if not values:  # most rules find nothing: skip their bookkeeping
            continue
        package, _, rule = rule_key.partition("/")
        prefix, suffix = rule_parts(rule)
        default_severity = WARN if prefix == "warn" else DENY
        default_id = ids.get(rule_key) or policy_id(policies, package=package, rule=rule)
        excepted = bool(suffix) and suffix in outcome.exceptions.get(package, ())
        for value in values:
            message, fields = _message(value)
            out.append(
                Violation(
                    policy=str(fields.get("id") or default_id),
                    severity=_SEVERITIES.get(str(fields.get("severity", "")).lower(), "")
                    or default_severity,
                    message=message,
                    resource=key,
                    app=app,
                    details=_details(fields),
                    source=source,
                    waived=excepted,
                    waiver_reason=f"exception rule of package {package}" if excepted else "",
                )
            )
    for rule_key, error in sorted(outcome.errors.items()):
        package, _, rule = rule_key.partition("/")
        out.append(
            Violation(
                policy=policy_id(policies, package=package, rule=rule),
                severity=ERROR,
                message=f"policy evaluation failed: {error}",
                resource=key,
                app=app,
                details={"rule": rule_key},
                source=source,
            )
        )
    if len(out) < 2:
        return out
    return sorted(out, key=lambda v: (v.severity != ERROR, v.severity != DENY, v.policy, v.message))


def _message(value: Any) -> tuple[str, Mapping[str, Any]]:
    if isinstance(value, str):
        return value, {}
    if isinstance(value, Mapping):
        msg = value.get("msg")
        return (str(msg) if msg is not None else json.dumps(value, sort_keys=True)), value
    return json.dumps(value, sort_keys=True, default=str), {}


def _details(fields: Mapping[str, Any]) -> Mapping[str, Any]:
    if not fields:
        return {}
    details = fields.get("details")
    if isinstance(details, Mapping):
        return dict(details)
    return {"details": details} if details is not None else {}
