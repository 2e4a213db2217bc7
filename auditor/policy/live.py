"""Live-state policies (scope `live`): evaluated once per audited app on its drift
findings, never by `check`. Builds the input document from `ResourceDrift`s and turns the
values (objects with `msg` and `resource`) into `Violation`s against those resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.model import App, Resource, ResourceDrift, ResourceKey, Violation
from auditor.policy.cache import ResultCache, content_hash
from auditor.policy.engine import PolicyEngine, RawOutcome
from auditor.policy.library import LIVE, PolicySet
from auditor.policy.results import policy_ids, to_violations


def app_context(app: App) -> dict[str, Any]:
    """`data.auditor.app` (and the live input's `app`): what policies know of an app."""
    labels = dict(app.labels)
    return {
        "name": app.name,
        "project": app.project,
        "cluster": app.cluster,
        "namespace": app.destination.namespace,
        "environment": labels.get("environment", ""),
        "labels": labels,
    }


def live_input(context: Mapping[str, Any], drifts: Sequence[ResourceDrift]) -> dict[str, Any]:
    """`{"app": ..., "drift": [...]}`: every compared resource, with its unmanaged changes."""
    return {
        "app": dict(context),
        "drift": [
            {
                "group": d.key.group,
                "kind": d.key.kind,
                "namespace": d.key.namespace,
                "name": d.key.name,
                "status": str(d.status),
                "unmanaged": [
                    {"path": u.path, "manager": u.manager, "time": u.time} for u in d.unmanaged
                ],
            }
            for d in drifts
        ],
    }


def has_live_policies(policies: PolicySet) -> bool:
    return LIVE in policies.scopes().values()


def evaluate_live(
    engine: PolicyEngine,
    policies: PolicySet,
    *,
    app: str,
    context: Mapping[str, Any],
    drifts: Sequence[ResourceDrift],
    cache: ResultCache | None = None,
) -> list[Violation]:
    """The live-scope violations of one app; a policy error is reported against the app.
    With `cache`, an app whose live input (its drift and context) is unchanged reuses
    the outcome of the same policies (keyed by the input's content and the policy set;
    call `cache.flush()` after)."""
    document = live_input(context, drifts)
    shelf = ResultCache.shelf(policies=policies.digest, scope=LIVE, context="app")
    key = content_hash(document)
    outcome = cache.get(shelf, key) if cache is not None else None
    if outcome is None:
        [outcome] = engine.evaluate(scope=LIVE, context={}, resources=[document])
        if cache is not None and not outcome.errors:
            cache.put(shelf, key, outcome)
    ids = policy_ids(policies)
    out: list[Violation] = []
    for rule_key, values in sorted(outcome.values.items()):
        for value in values:
            single = RawOutcome(values={rule_key: (value,)}, exceptions=outcome.exceptions)
            subject = _subject(value)
            out.extend(to_violations(single, policies=policies, resource=subject, app=app, ids=ids))
    if outcome.errors:
        errors = RawOutcome(errors=outcome.errors)
        out.extend(to_violations(errors, policies=policies, resource=None, app=app, ids=ids))
    return out


def _subject(value: Any) -> Resource | None:
    raw = value.get("resource") if isinstance(value, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    key = ResourceKey(
        group=str(raw.get("group") or ""),
        kind=str(raw.get("kind") or ""),
        namespace=str(raw.get("namespace") or ""),
        name=str(raw.get("name") or ""),
    )
    return Resource(key=key, api_version="", body={})
