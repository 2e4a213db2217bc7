"""Live-state policies are cached like the others: an app whose drift (and context) did
not change since the last audit reuses the outcome of the same policies, on disk across
processes; any change to its drift, or to the policies, evaluates again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.model import ResourceDrift, ResourceKey, ResourceStatus, UnmanagedChange
from auditor.policy import RegoPolicyEngine, ResultCache, load_policy_set
from auditor.policy.live import LiveApp, evaluate_live, evaluate_live_apps

CONTEXT = {"name": "web", "project": "p", "cluster": "prod", "namespace": "production",
           "environment": "production", "labels": {}}  # fmt: skip


class Counting:
    """The real embedded engine, counting the evaluations it is asked for."""

    def __init__(self, engine: RegoPolicyEngine) -> None:
        self.engine, self.calls = engine, 0

    def evaluate(self, **kwargs: Any) -> Any:
        self.calls += 1
        return self.engine.evaluate(**kwargs)


def drift(manager: str, namespace: str = "production") -> ResourceDrift:
    key = ResourceKey("", "ConfigMap", namespace, "settings")
    change = UnmanagedChange("metadata.labels.owner", "alice", manager, "")
    return ResourceDrift(key, "v1", ResourceStatus.SYNCED, unmanaged=(change,))


def test_an_unchanged_drift_reuses_the_live_outcome(tmp_path: Path) -> None:
    policies = load_policy_set()
    engine = Counting(RegoPolicyEngine(policies))

    def run(manager: str, cache: ResultCache) -> list[str]:
        found = evaluate_live(engine, policies, app="web", context=CONTEXT,  # type: ignore[arg-type]
                              drifts=[drift(manager)], cache=cache)  # fmt: skip
        cache.flush()
        return sorted(v.policy for v in found)

    first = run("kubectl-label", ResultCache(tmp_path))
    assert first == ["live/unmanaged-production"] and engine.calls == 1
    assert run("kubectl-label", ResultCache(tmp_path)) == first  # a new process: from disk
    assert engine.calls == 1
    assert run("kubectl-edit", ResultCache(tmp_path)) == first  # the drift changed
    assert engine.calls == 2
    other = load_policy_set(data={"unused": True})  # other policies: other cache entries
    found = evaluate_live(engine, other, app="web", context=CONTEXT,  # type: ignore[arg-type]
                          drifts=[drift("kubectl-label")], cache=ResultCache(tmp_path))  # fmt: skip
    assert [v.policy for v in found] == first and engine.calls == 3


def test_apps_are_evaluated_in_one_call_only_where_not_cached(tmp_path: Path) -> None:
    policies = load_policy_set()
    engine = Counting(RegoPolicyEngine(policies))
    cache = ResultCache(tmp_path)
    evaluate_live(engine, policies, app="web", context=CONTEXT,  # type: ignore[arg-type]
                  drifts=[drift("kubectl-label")], cache=cache)  # fmt: skip
    apps = [
        LiveApp("web", CONTEXT, [drift("kubectl-label")]),  # cached: not evaluated again
        LiveApp("api", {**CONTEXT, "name": "api"}, [drift("kubectl-edit")]),
        LiveApp(
            "dev",
            {**CONTEXT, "name": "dev", "environment": "dev", "namespace": "dev"},
            [drift("kubectl-edit", namespace="dev")],
        ),
    ]
    found = evaluate_live_apps(engine, policies, apps, cache=cache)  # type: ignore[arg-type]
    assert engine.calls == 2  # one for the first app, one for the two others together
    assert [sorted(v.policy for v in f) for f in found] == [
        ["live/unmanaged-production"], ["live/unmanaged-production"], []
    ]  # fmt: skip
    assert [{v.app for v in f} for f in found[:2]] == [{"web"}, {"api"}]
