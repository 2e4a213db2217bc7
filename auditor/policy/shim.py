"""The evaluation module every engine queries: one rule per scope that collects, for the
input resource, the values of every decision rule and `exception` rule of that scope.

One query per resource and scope keeps regopy's per-query overhead out of the loop, and
gives the OPA server the same query (`POST /v1/data/gitops_auditor_eval/<scope>`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from auditor.policy.kinds import EXCEPTION_PREFIX, ScopePlan, kind_plans
from auditor.policy.library import ALL_SCOPES, PolicySet

SHIM_PACKAGE = "gitops_auditor_eval"
SHIM_PATH = "gitops_auditor_eval.rego"
__all__ = ["EXCEPTION_PREFIX", "SHIM_PACKAGE", "SHIM_PATH", "ScopePlan"]


def rule_ref(package: str, rule: str) -> str:
    """`data.<package>.<rule>`, quoting path segments Rego would not read as names."""
    parts = [*package.split("."), rule]
    ref = "data"
    for part in parts:
        ref += f".{part}" if part.isidentifier() else f'["{part}"]'
    return ref


def scope_rules(policies: PolicySet) -> dict[str, dict[str, str]]:
    """Scope -> {result key -> Rego reference} for the decision and exception rules."""
    scopes = policies.scopes()
    out: dict[str, dict[str, str]] = {scope: {} for scope in ALL_SCOPES}
    for package in policies.decision_packages():
        entries = out[scopes[package]]
        for rule in policies.rules_of(package):
            entries[f"{package}/{rule}"] = rule_ref(package, rule)
        if policies.has_exceptions(package):
            entries[f"{EXCEPTION_PREFIX}{package}"] = rule_ref(package, "exception")
    return out


def shim_source(policies: PolicySet) -> str:
    """The Rego source of the evaluation module: one rule per scope with every rule of
    the scope, then one per scope and kind class (`<scope>_k<n>`, see `kinds.py`)."""
    rules = scope_rules(policies)
    lines = [f"package {SHIM_PACKAGE}", "", "import rego.v1", ""]
    for scope, entries in rules.items():
        lines.extend(_collector(scope, entries))
    for plan in kind_plans(policies, rules).values():
        for name, keys in plan.entries.items():
            scope = name.rpartition("_k")[0]
            lines.extend(_collector(name, {k: rules[scope][k] for k in keys}))
    return "\n".join(lines)


def entries_source(
    rules: Mapping[str, Mapping[str, str]], plans: Mapping[str, ScopePlan], names: Iterable[str]
) -> str:
    """An evaluation module with only the collectors `names` (scopes or kind classes):
    what a bundle compiled per app needs for the kinds that app has."""
    lines = [f"package {SHIM_PACKAGE}", "", "import rego.v1", ""]
    for name in sorted(names):
        lines.extend(_collector(name, entry_rules(rules, plans, name)))
    return "\n".join(lines)


def entry_rules(
    rules: Mapping[str, Mapping[str, str]], plans: Mapping[str, ScopePlan], name: str
) -> dict[str, str]:
    """Result key -> reference, for one collector (a scope or a kind class of one)."""
    if name in rules:
        return dict(rules[name])
    scope = name.rpartition("_k")[0]
    return {k: rules[scope][k] for k in plans[scope].entries[name]}


def _collector(name: str, entries: Mapping[str, str]) -> list[str]:
    body = [f'\t"{key}": [v | v := {ref}],' for key, ref in entries.items()]
    return [f"{name} := {{", *body, "}", ""]


def non_empty_scopes(policies: PolicySet) -> list[str]:
    return [scope for scope, entries in scope_rules(policies).items() if entries]


def context_data(base: Mapping[str, object], context: Mapping[str, object]) -> dict[str, object]:
    """The data document of an evaluation: config data plus `auditor` (the app context)."""
    data = dict(base)
    data["auditor"] = dict(context)
    return data
