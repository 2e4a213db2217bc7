"""Policies are untrusted code: through the runner the embedded engine sees no
environment, has no network builtins, and a rule past the memory limit is an error on
the resources it ran on while every other rule and resource still counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.config import PolicyConfig
from auditor.model import Resource, SourceLocation
from auditor.policy import PolicyLoadError, PolicyTarget, build_runner, load_policy_set, sandbox

TODAY = date(2025, 1, 1)

SNOOP = """package snoop

import rego.v1

deny contains msg if { msg := sprintf("env=%v", [opa.runtime().env]) }

deny_indexed contains msg if { msg := sprintf("indexed=%v", [opa["runtime"]().env]) }
"""

BOMB = """package bomb

import rego.v1

deny contains msg if {
	input.kind == "Bomb"
	msg := sprintf("%d", [count(numbers.range(1, 200000000))])
}

warn contains "still evaluated" if input.kind
"""


def objects(*kinds: str) -> tuple[Resource, ...]:
    return tuple(
        Resource.of(
            {"apiVersion": "v1", "kind": kind, "metadata": {"name": f"o{i}", "namespace": "n"}},
            source=SourceLocation(path="o.yaml", line=i + 1),
        )
        for i, kind in enumerate(kinds)
    )


Found = list[tuple[str, str, str]]  # (severity, resource name, message)


def run(tmp_path: Path, source: str, resources: tuple[Resource, ...], **config: int) -> Found:
    (tmp_path / "p.rego").write_text(source)
    policies = load_policy_set(builtin=False, paths=[tmp_path])
    runner = build_runner(
        policies, config=PolicyConfig(**config), cache_dir=tmp_path / "cache", workers=2
    )
    try:
        [result] = runner.run([PolicyTarget(app="a", context={}, resources=resources)], today=TODAY)
    finally:
        runner.engine.close()
    return [
        (v.severity, v.resource.name if v.resource else "", v.message) for v in result.violations
    ]


def test_policies_see_no_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPS_AUDITOR_GIT_TOKEN", "ghp_secret_token")
    found = run(tmp_path, SNOOP, objects("ConfigMap"))
    assert sorted(m for _, _, m in found) == ["env={}", "indexed={}"]


@pytest.mark.parametrize(
    ("call", "refusal"),
    [
        ('http.send({"method": "get", "url": "http://127.0.0.1:9"})', "HTTP builtins"),
        ('net.lookup_ip_addr("example.com")', "Networking builtins"),
    ],
)
def test_network_builtins_are_errors_not_requests(tmp_path: Path, call: str, refusal: str) -> None:
    source = f"package web\n\nimport rego.v1\n\ndeny contains msg if {{\n\tmsg := {call}\n}}\n"
    [(severity, _, message)] = run(tmp_path, source, objects("ConfigMap"))
    assert severity == "error" and f"{refusal} are not supported" in message


def test_a_rule_past_the_memory_limit_is_an_error_on_its_resources(tmp_path: Path) -> None:
    found = run(tmp_path, BOMB, objects("ConfigMap", "Bomb", "Secret"), memory_mb=256)
    errors = [(name, message) for severity, name, message in found if severity == "error"]
    assert errors == [
        ("o1", "policy evaluation failed: the policy process was killed "
               "(past the memory limit of 256 MiB, or a crash)")
    ]  # fmt: skip
    warned = sorted(name for severity, name, _ in found if severity == "warn")
    assert warned == ["o0", "o1", "o2"]  # the other rule, on every resource, still counts


def test_the_limit_holds_in_big_runs_too(tmp_path: Path) -> None:
    kinds = ["ConfigMap"] * 60 + ["Bomb"] + ["ConfigMap"] * 60
    found = run(tmp_path, BOMB, objects(*kinds), memory_mb=256)
    assert [name for severity, name, _ in found if severity == "error"] == ["o60"]
    assert sum(1 for severity, _, _ in found if severity == "warn") == len(kinds)


def test_a_policy_set_is_checked_in_a_sandbox_until_it_has_compiled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = sandbox.validate
    monkeypatch.setattr(
        sandbox, "validate", lambda p, **kw: (checks.append(p.digest), real(p, **kw))[1]
    )
    (tmp_path / "p.rego").write_text(SNOOP)
    policies = load_policy_set(builtin=False, paths=[tmp_path])
    for _ in range(2):  # the second process finds it compiled before: no check
        build_runner(policies, config=PolicyConfig(), cache_dir=tmp_path / "cache").engine.close()
    assert checks == [policies.digest]
    # A set that does not compile is checked (and refused) every time, never remembered.
    (tmp_path / "p.rego").write_text("package broken\n\ndeny contains msg if {\n")
    broken = load_policy_set(builtin=False, paths=[tmp_path])
    for _ in range(2):
        with pytest.raises(PolicyLoadError, match="p.rego"):
            build_runner(broken, config=PolicyConfig(), cache_dir=tmp_path / "cache")
    assert checks == [policies.digest, broken.digest, broken.digest]
