"""Kind pre-filter: which decision rules can apply to a resource of a given kind.

A rule declares the kinds it reads in its METADATA (`custom.kinds: [Deployment, ...]`);
a rule without that list applies to every kind. Per scope, kinds with the same rule set
share one evaluation entrypoint of the shim; a kind no rule applies to is not queried.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from auditor.policy.library import ALL_SCOPES, PolicySet

EXCEPTION_PREFIX = "exception:"


def rule_kinds(policies: PolicySet, *, package: str, rule: str) -> frozenset[str] | None:
    """The kinds `custom.kinds` declares for a rule, or None (every kind)."""
    custom = policies.metadata(package, rule).get("custom")
    kinds = custom.get("kinds") if isinstance(custom, Mapping) else None
    if not isinstance(kinds, list) or not kinds:
        return None
    return frozenset(str(k) for k in kinds)


@dataclass(frozen=True)
class ScopePlan:
    """One scope: entrypoint name -> result keys, and the entrypoint of each kind.

    `default` serves kinds no rule names (None: nothing to evaluate for them).
    """

    entries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    by_kind: Mapping[str, str | None] = field(default_factory=dict)
    default: str | None = None

    def entrypoint(self, kind: object) -> str | None:
        if isinstance(kind, str) and kind in self.by_kind:
            return self.by_kind[kind]
        return self.default


def kind_plans(policies: PolicySet, rules: Mapping[str, Mapping[str, str]]) -> dict[str, ScopePlan]:
    """Scope -> plan, from `scope_rules` (result key -> reference) and the rules' kinds."""
    return {
        scope: _plan(policies, scope=scope, keys=list(rules.get(scope, {}))) for scope in ALL_SCOPES
    }


def _plan(policies: PolicySet, *, scope: str, keys: list[str]) -> ScopePlan:
    declared: dict[str, frozenset[str] | None] = {}
    for key in keys:
        if not key.startswith(EXCEPTION_PREFIX):
            package, _, rule = key.partition("/")
            declared[key] = rule_kinds(policies, package=package, rule=rule)
    named = sorted(set().union(*(k for k in declared.values() if k is not None)))
    entries: dict[str, tuple[str, ...]] = {}
    by_kind = {kind: _entry(scope, kind, declared, keys, entries) for kind in named}
    default = _entry(scope, None, declared, keys, entries)
    return ScopePlan(entries=entries, by_kind=by_kind, default=default)


def _entry(
    scope: str,
    kind: str | None,
    declared: Mapping[str, frozenset[str] | None],
    keys: list[str],
    entries: dict[str, tuple[str, ...]],
) -> str | None:
    """The entrypoint name for the rules that apply to `kind` (None: no rule applies);
    a package's `exception` rule comes along with its rules."""
    chosen = [k for k, kinds in declared.items() if kinds is None or kind in kinds]
    if not chosen:
        return None
    packages = {k.partition("/")[0] for k in chosen}
    chosen += [
        k
        for k in keys
        if k.startswith(EXCEPTION_PREFIX) and k.removeprefix(EXCEPTION_PREFIX) in packages
    ]
    key = tuple(sorted(chosen))
    for name, existing in entries.items():
        if existing == key:
            return name
    name = f"{scope}_k{len(entries)}"
    entries[name] = key
    return name
