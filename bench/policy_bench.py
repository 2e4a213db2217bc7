"""Policy evaluation throughput: the built-in library over a generated fleet.

Run: .venv/bin/python bench/policy_bench.py [--resources N] [--apps N]
Prints cores, cold resources/s (fresh cache: pool start, compile, evaluate) and warm
resources/s (every resource cached: in memory, then from disk in a new runner).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from auditor.model import Resource, SourceLocation
from auditor.policy import (
    PolicyRunner,
    PolicyTarget,
    RegoPolicyEngine,
    ResultCache,
    WorkerPool,
    load_policy_set,
)

TODAY = date(2025, 1, 1)


def workload(app: str, index: int) -> dict[str, Any]:
    name = f"{app}-w{index}"
    container: dict[str, Any] = {
        "name": "main",
        "image": f"registry.example.com/{name}:{'latest' if index % 7 == 0 else f'1.0.{index}'}",
        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        "ports": [{"containerPort": 8080}],
    }
    if index % 3:
        container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": 8080}}
        container["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": 8080}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": app, "labels": {"app": name}},
        "spec": {
            "replicas": 1 + index % 3,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [container]},
            },
        },
    }


def app_resources(app: str, count: int) -> tuple[Resource, ...]:
    out: list[Resource] = []
    index = 0
    while len(out) < count:
        body: dict[str, Any]
        kind = index % 4
        if kind in (0, 1):
            body = workload(app, index)
        elif kind == 2:
            body = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": f"{app}-s{index}", "namespace": app},
                "spec": {"selector": {"app": f"{app}-w{index - 1}"}, "ports": [{"port": 80}]},
            }
        else:
            body = {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"{app}-c{index}", "namespace": app},
                "data": {"key": str(index)},
            }
        out.append(Resource.of(body, source=SourceLocation(path=f"apps/{app}/r{index}.yaml")))
        index += 1
    return tuple(out)


def fleet(resources: int, apps: int) -> list[PolicyTarget]:
    per_app = resources // apps
    targets = []
    for i in range(apps):
        name = f"app{i:04d}"
        env = "production" if i % 2 else "dev"
        targets.append(
            PolicyTarget(
                app=name,
                context={"name": name, "environment": env, "namespace": name},
                resources=app_resources(name, per_app),
            )
        )
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--apps", type=int, default=250)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    targets = fleet(args.resources, args.apps)
    total = sum(len(t.resources) for t in targets)
    policies = load_policy_set()
    rules = sum(len(m.decision_rules) for m in policies.modules)
    print(f"cores: {cores}; fleet: {total} resources in {len(targets)} apps; {rules} rules")
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp)
        pool = WorkerPool(policies=policies, workers=cores)
        runner = PolicyRunner(
            policies=policies,
            engine=RegoPolicyEngine(policies),
            cache=ResultCache(cache_dir),
            pool=pool,
        )
        start = time.perf_counter()
        results = runner.run(targets, today=TODAY)
        cold = time.perf_counter() - start
        pool.close()
        found = sum(len(r.violations) for r in results)
        print(f"cold: {total / cold:,.0f} resources/s ({cold:.2f} s, {found} violations)")
        start = time.perf_counter()
        runner.run(targets, today=TODAY)
        warm = time.perf_counter() - start
        print(f"warm (memory cache): {total / warm:,.0f} resources/s ({warm:.2f} s)")
        fresh = PolicyRunner(
            policies=policies, engine=RegoPolicyEngine(policies), cache=ResultCache(cache_dir)
        )
        start = time.perf_counter()
        fresh.run(targets, today=TODAY)
        disk = time.perf_counter() - start
        print(f"warm (disk cache, new runner): {total / disk:,.0f} resources/s ({disk:.2f} s)")


if __name__ == "__main__":
    main()
