"""The built-in library: every `test_` rule of every `*_test.rego` passes in the embedded
engine, and every policy has at least one passing and one failing case."""

from __future__ import annotations

import pytest

from auditor.policy.library import load_policy_set
from auditor.policy.testing import run_policy_tests

POLICIES = load_policy_set()
RESULTS = run_policy_tests(POLICIES)


@pytest.mark.parametrize("result", RESULTS, ids=[r.id for r in RESULTS])
def test_rego_test_rule_passes(result) -> None:  # type: ignore[no-untyped-def]
    assert result.passed, f"{result.file}:{result.line} {result.id}: {result.detail}"


def test_every_policy_has_metadata_and_tests() -> None:
    tested = {r.package.removesuffix("_test") for r in RESULTS}
    for module in POLICIES.modules:
        for rule in module.decision_rules:
            custom = rule.metadata.get("custom") or {}
            assert custom.get("id") and rule.metadata.get("title"), f"{module.path} {rule.name}"
            assert rule.metadata.get("description"), f"{module.path} {rule.name}"
        if module.decision_rules:
            assert module.package in tested, f"{module.path} has no *_test.rego"


def test_each_package_has_denied_and_allowed_cases() -> None:
    for package in POLICIES.decision_packages():
        names = [r.name for r in RESULTS if r.package == f"{package}_test"]
        assert any(n.endswith(("_denied", "_warned", "_missing")) for n in names), package
        assert any(n.endswith(("_allowed", "_set", "_found", "_counts")) for n in names), package
