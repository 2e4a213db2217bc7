"""What a bundle compiled for one app (its context being base data) must contain: only
the collectors of the `app`/`cross` kind classes its resources fall in, and only the
modules those rules need. A bundle's build time grows with its modules and entrypoints,
and one is built per app, so a smaller bundle is a direct saving.

Bundles are cached per context by the engine; `AppBundles.plan` says which collectors a
call needs, and a cached bundle missing one is rebuilt with the union.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.policy.kinds import EXCEPTION_PREFIX, ScopePlan
from auditor.policy.library import PolicySet
from auditor.policy.parse import PolicyModule
from auditor.policy.shim import SHIM_PACKAGE, entries_source, entry_rules

APP_SCOPES = ("app", "cross")


@dataclass(frozen=True)
class BundleSpec:
    """The sources and entrypoints of one per-app bundle."""

    names: frozenset[str]
    modules: tuple[PolicyModule, ...]
    shim: str
    entrypoints: tuple[str, ...]


class AppBundles:
    """Plans per-app bundles for a policy set (immutable after construction)."""

    def __init__(
        self,
        policies: PolicySet,
        rules: Mapping[str, Mapping[str, str]],
        plans: Mapping[str, ScopePlan],
    ) -> None:
        self.policies = policies
        self._rules = rules
        self._plans = plans
        self._specs: dict[frozenset[str], BundleSpec] = {}  # memo of pure results

    def names(self, resources: Iterable[Mapping[str, Any]]) -> frozenset[str]:
        """The collectors the resources need in the app and cross scopes."""
        kinds = {r.get("kind") if isinstance(r, Mapping) else None for r in resources}
        out: set[str] = set()
        for scope in APP_SCOPES:
            if not self._rules.get(scope):
                continue
            plan = self._plans.get(scope)
            if plan is None:
                out.add(scope)
                continue
            out.update(n for n in (plan.entrypoint(kind) for kind in kinds) if n is not None)
        return frozenset(out)

    def plan(
        self, context: Mapping[str, Any], resources: Sequence[Mapping[str, Any]]
    ) -> frozenset[str]:
        """Collectors for `resources` and for every resource of the app (`context`), so
        the app's later calls find them in the same bundle."""
        listed = context.get("resources")
        app = listed if isinstance(listed, list) else []
        return self.names([*app, *resources])

    def spec(self, names: frozenset[str]) -> BundleSpec:
        spec = self._specs.get(names)
        if spec is None:
            spec = self._specs[names] = self._spec(names)
        return spec

    def _spec(self, names: frozenset[str]) -> BundleSpec:
        packages: set[str] = set()
        for name in names:
            for key in entry_rules(self._rules, self._plans, name):
                packages.add(key.removeprefix(EXCEPTION_PREFIX).partition("/")[0])
        return BundleSpec(
            names=names,
            modules=self.policies.modules_of(packages),
            shim=entries_source(self._rules, self._plans, names),
            entrypoints=tuple(f"{SHIM_PACKAGE}/{n}" for n in sorted(names)),
        )
