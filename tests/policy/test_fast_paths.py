"""The engine's fast paths give what the plain paths give: inputs converted without
regopy's wrappers, batches of jobs run resource by resource, per-app bundles holding only
the collectors an app's kinds need, pool batches kept whole per app, and cache shelves
written from pre-encoded entries (rules without values left out)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import regopy

from auditor.policy import RegoPolicyEngine, ResultCache, WorkerPool, load_policy_set
from auditor.policy import pool as pool_module
from auditor.policy.engine import Job, RawOutcome
from auditor.policy.inputs import RegoInput
from auditor.policy.rego import _interpreter, _run

POLICIES = load_policy_set()
SCOPES = ("resource", "app", "cross")


def workload(name: str, *, replicas: int = 1, labels: dict[str, str] | None = None) -> Any:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "production"},
        "spec": {
            "replicas": replicas,
            "template": {
                "metadata": {"labels": labels or {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "r.io/x:latest"}]},
            },
        },
    }


def service(name: str, selector: dict[str, str]) -> Any:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "production"},
        "spec": {"selector": selector, "type": "LoadBalancer"},
    }


def echo(value: Any, fast: bool) -> Any:
    builder = _interpreter()
    builder.add_module("echo.rego", "package echo\n\nimport rego.v1\n\nvalue := input\n")
    bundle = builder.build(None, ["echo/value"])
    runner = _interpreter()
    if fast:
        RegoInput(value).set_on(runner)
    else:
        runner.set_input(regopy.Input(value))
    ok, out = _run(runner, bundle=bundle, entrypoint="echo/value")
    assert ok
    return out


@pytest.mark.parametrize(
    "value",
    [
        workload("w"),
        {"n": None, "b": [True, False], "f": 1.5, "i": -3, "big": 2**70, "s": "é"},
        {"tuple": (1, 2), "set": {"a"}, "nested": [{"k": ("x",)}]},
    ],
)
def test_fast_input_matches_regopy(value: Any) -> None:
    assert echo(value, fast=True) == echo(value, fast=False)


def test_unconvertible_input_fails_as_regopy_does() -> None:
    with pytest.raises(ValueError):
        RegoInput({"when": date(2025, 1, 1)})


def test_batch_matches_separate_calls() -> None:
    resources = [workload("a", replicas=2), workload("b"), service("s", {"app": "zzz"})]
    context = {"app": {"name": "x", "environment": "production"}, "resources": resources}
    jobs = [(scope, {} if scope == "resource" else context, resources) for scope in SCOPES]
    batched = RegoPolicyEngine(POLICIES).evaluate_batch(jobs)
    alone = [
        RegoPolicyEngine(POLICIES).evaluate(scope=s, context=c, resources=r) for s, c, r in jobs
    ]
    assert batched == alone
    assert any(o.values.get("builtin.cross/deny_service_selector") for o in batched[2])


def test_app_bundle_grows_for_kinds_it_lacks() -> None:
    """A bundle built for an app's Deployments is rebuilt when a Service of the same
    context comes later; results equal an engine that saw the Service first."""
    deploy = workload("a")
    svc = service("s", {"app": "nothing"})
    context: dict[str, Any] = {"app": {"name": "x", "environment": "dev"}, "resources": [deploy]}
    engine = RegoPolicyEngine(POLICIES)
    engine.evaluate(scope="cross", context=context, resources=[deploy])
    later = engine.evaluate(scope="cross", context=context, resources=[svc])
    fresh = RegoPolicyEngine(POLICIES).evaluate(scope="cross", context=context, resources=[svc])
    assert later == fresh
    assert later[0].values["builtin.cross/deny_service_selector"]


def test_pool_stream_keeps_groups_whole() -> None:
    resources = [workload(f"w{i}") for i in range(30)]
    jobs: list[Job] = [("resource", {}, resources[i : i + 3]) for i in range(0, 30, 3)]
    groups = [i // 2 for i in range(len(jobs))]
    pool = WorkerPool(policies=POLICIES, workers=2, batches_per_worker=4)
    try:
        streamed = list(pool.stream(jobs, groups))
        evaluated = pool.evaluate(jobs, groups)
    finally:
        pool.close()
    alone = [
        RegoPolicyEngine(POLICIES).evaluate(scope=s, context=c, resources=r) for s, c, r in jobs
    ]
    assert evaluated == alone
    seen: set[int] = set()
    for done, pieces in streamed:
        indexes = {index for index, _ in pieces}
        assert {groups[i] for i in indexes}.isdisjoint({groups[i] for i in seen})
        seen |= indexes
        assert all(i < done for i in indexes)


def test_shelf_file_is_plain_json_of_outcomes(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    outcome = RawOutcome(values={"p/deny": ("m",), "p/warn": ()}, exceptions={"p": ("x",)})
    cache.put("shelf", "h1", outcome)
    cache.flush(["other"])
    assert not (tmp_path / "shelf.json").exists()
    cache.flush()
    saved = json.loads((tmp_path / "shelf.json").read_text())
    assert saved == {"h1": {"values": {"p/deny": ["m"]}, "exceptions": {"p": ["x"]}, "errors": {}}}
    assert ResultCache(tmp_path).get("shelf", "h1") == RawOutcome(
        values={"p/deny": ("m",)}, exceptions={"p": ("x",)}
    )


def test_pool_batches_are_bounded_and_idle_close_spares_a_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """However big the round, a batch holds at most MAX_BATCH resources (a worker's
    memory follows its batch); `close_idle` during a stream leaves its workers running,
    and after it stops them (the next evaluation starts them anew)."""
    monkeypatch.setattr(pool_module, "MAX_BATCH", 7)
    resources = [workload(f"w{i}") for i in range(40)]
    jobs: list[Job] = [("resource", {}, resources)]
    pool = WorkerPool(policies=POLICIES, workers=2, batches_per_worker=1)
    try:
        sizes = []
        for _, pieces in pool.stream(jobs):
            sizes.append(sum(len(outcomes) for _, outcomes in pieces))
            pool.close_idle()  # in use: nothing stops
            assert pool.started
        assert sizes == [7, 7, 7, 7, 7, 5]
        pool.close_idle()
        assert not pool.started
        again = pool.evaluate(jobs)
    finally:
        pool.close()
    assert again == [
        RegoPolicyEngine(POLICIES).evaluate(scope="resource", context={}, resources=resources)
    ]
