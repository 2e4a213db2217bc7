"""Live-state policies (scope `live`): evaluated once per audited app on its drift
findings, never by `check`. Builds the input document from `ResourceDrift`s and turns the
values (objects with `msg` and `resource`) into `Violation`s against those resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    """The live-scope violations of one app (see `evaluate_live_apps`)."""
    [found] = evaluate_live_apps(engine, policies, [LiveApp(app, context, drifts)], cache=cache)
    return found


@dataclass(frozen=True)
class LiveApp:
    """An app the live-state policies look at: its name, context and drift findings."""

    name: str
    context: Mapping[str, Any]
    drifts: Sequence[ResourceDrift]


def evaluate_live_apps(
    engine: PolicyEngine,
    policies: PolicySet,
    apps: Sequence[LiveApp],
    *,
    cache: ResultCache | None = None,
) -> list[list[Violation]]:
    """The live-scope violations of each app, in order, evaluated in one call to the
    engine; a policy error is reported against its app. With `cache`, an app whose live
    input (its drift and context) is unchanged reuses the outcome of the same policies
    (keyed by the input's content and the policy set; call `cache.flush()` after)."""
    documents = [live_input(a.context, a.drifts) for a in apps]
    shelf = ResultCache.shelf(policies=policies.digest, scope=LIVE, context="app")
    keys = [content_hash(d) for d in documents]
    known = [cache.get(shelf, k) if cache is not None else None for k in keys]
    todo = [documents[i] for i, outcome in enumerate(known) if outcome is None]
    fresh = iter(engine.evaluate(scope=LIVE, context={}, resources=todo) if todo else ())
    outcomes: list[RawOutcome] = []
    for key, outcome in zip(keys, known, strict=True):
        if outcome is None:
            outcome = next(fresh)
            if cache is not None and not outcome.errors:
                cache.put(shelf, key, outcome)
        outcomes.append(outcome)
    ids = policy_ids(policies)
    return [
        _violations(outcome, policies, app=a.name, ids=ids)
        for a, outcome in zip(apps, outcomes, strict=True)
    ]


def _violations(
    outcome: RawOutcome, policies: PolicySet, *, app: str, ids: Mapping[str, str]
) -> list[Violation]:
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
