"""The runner: violations with ids from METADATA, exceptions as waived, runtime errors
as errors of the policy and resource, non-Kubernetes documents skipped, caching (memory
and disk), and the process pool giving the same results."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from auditor.model import Resource, SourceLocation
from auditor.policy import (
    PolicyRunner,
    PolicyTarget,
    RegoPolicyEngine,
    ResultCache,
    WorkerPool,
    load_policy_set,
)
from tests.helpers.service import wait_for

TODAY = date(2025, 1, 1)


def deployment(name: str, image: str, *, namespace: str = "dev") -> Resource:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }
    return Resource.of(body, source=SourceLocation(path=f"apps/{name}.yaml", line=3))


def target(*resources: Resource, env: str = "dev") -> PolicyTarget:
    return PolicyTarget(app="web", context={"name": "web", "environment": env}, resources=resources)


def test_builtin_violations_carry_ids_severity_and_source(tmp_path: Path) -> None:
    policies = load_policy_set()
    runner = PolicyRunner(policies=policies, engine=RegoPolicyEngine(policies))
    [result] = runner.run(
        [target(deployment("web", "r.io/web:latest"), env="production")], today=TODAY
    )
    by_id = {v.policy: v for v in result.violations}
    assert by_id["images/no-latest"].severity == "deny"
    assert by_id["images/no-latest"].source == SourceLocation(path="apps/web.yaml", line=3)
    assert by_id["resources/cpu-limit"].severity == "warn"
    assert by_id["availability/replicas"].severity == "deny"  # cross scope, production app


def test_non_kubernetes_yaml_is_skipped_with_a_note() -> None:
    policies = load_policy_set()
    runner = PolicyRunner(policies=policies, engine=RegoPolicyEngine(policies))
    odd = Resource.of({"team": {"name": "x"}}, source=SourceLocation(path="teams/x.yaml"))
    [result] = runner.run([target(odd)], today=TODAY)
    assert result.violations == ()
    assert "teams/x.yaml:1" in result.notes[0]


def test_runtime_error_is_reported_against_resource_and_policy(tmp_path: Path) -> None:
    (tmp_path / "p.rego").write_text(
        "package main\n\nimport rego.v1\n\n"
        "deny contains msg if {\n\tn := to_number(input.metadata.name)\n"
        '\tmsg := sprintf("%v", [n])\n}\n'
        'warn contains "seen" if input.kind == "Deployment"\n'
    )
    policies = load_policy_set(builtin=False, paths=[tmp_path])
    runner = PolicyRunner(policies=policies, engine=RegoPolicyEngine(policies))
    [result] = runner.run([target(deployment("web", "x:1"), deployment("42", "x:1"))], today=TODAY)
    errors = [v for v in result.violations if v.severity == "error"]
    assert [(v.policy, v.resource.name if v.resource else "") for v in errors] == [
        ("main/deny", "web")
    ]
    assert {v.message for v in result.violations if v.severity == "deny"} == {"42"}
    assert sum(v.severity == "warn" for v in result.violations) == 2


def test_cache_skips_unchanged_resources_across_runs(tmp_path: Path) -> None:
    policies = load_policy_set()
    resources = [deployment(f"w{i}", "r.io/w:1") for i in range(5)]
    first = PolicyRunner(
        policies=policies, engine=RegoPolicyEngine(policies), cache=ResultCache(tmp_path)
    ).run([target(*resources)], today=TODAY)[0]
    second = PolicyRunner(
        policies=policies, engine=RegoPolicyEngine(policies), cache=ResultCache(tmp_path)
    ).run([target(*resources[:4], deployment("w4", "r.io/w:latest"))], today=TODAY)[0]
    assert first.evaluated == 15 and first.cached == 0
    # resource and app scopes: 4 unchanged resources hit; the cross scope reads the whole
    # app, so a changed resource re-evaluates it for all five.
    assert second.cached == 4 * 2 and second.evaluated == 2 + 5
    assert any(v.policy == "images/no-latest" for v in second.violations)


def test_pool_gives_the_same_results() -> None:
    policies = load_policy_set()
    targets = [target(*(deployment(f"w{i}", f"r.io/w:{i % 3 or 'latest'}") for i in range(30)))]
    alone = PolicyRunner(policies=policies, engine=RegoPolicyEngine(policies)).run(
        targets, today=TODAY
    )
    pool = WorkerPool(policies=policies, workers=2, threshold=1)
    try:
        pooled = PolicyRunner(policies=policies, engine=RegoPolicyEngine(policies), pool=pool).run(
            targets, today=TODAY
        )
    finally:
        pool.close()
    assert pooled == alone


OWNER = """
import os, sys
from auditor.policy import WorkerPool, load_policy_set

if __name__ == "__main__":
    pool = WorkerPool(policies=load_policy_set(), workers=2)
    pool.warm_up()
    pool.evaluate([])
    print(" ".join(str(p) for p in pool._pool()._processes), flush=True)
    sys.stdin.read()  # until killed
"""


def test_pool_workers_end_when_the_process_that_started_them_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(OWNER)
    owner = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    workers = [int(p) for p in owner.stdout.readline().split()]
    assert workers and all(alive(p) for p in workers)
    owner.kill()
    owner.wait()
    wait_for(lambda: not any(alive(p) for p in workers), timeout=10)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; only its parent has not reaped it yet
