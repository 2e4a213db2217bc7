"""Running the `test_` rules of `*_test.rego` files with the embedded engine, as
`opa test` does: every test rule must be defined and true. Used by the test suite and
by policy authors (`run_policy_tests(load_policy_set(paths=[...]))`).
"""

from __future__ import annotations

from dataclasses import dataclass

import regopy

from auditor.policy.library import PolicySet
from auditor.policy.rego import _interpreter, _run, quiet_stdout
from auditor.policy.shim import rule_ref


@dataclass(frozen=True)
class PolicyTestResult:
    """One `test_` rule: passed, or why not (false, undefined, or a runtime error)."""

    file: str
    package: str
    name: str
    line: int
    passed: bool
    detail: str = ""

    @property
    def id(self) -> str:
        return f"{self.package}.{self.name}"


def run_policy_tests(policies: PolicySet) -> list[PolicyTestResult]:
    """Evaluate every test rule of `policies.tests` against the policy modules."""
    interp = _interpreter()
    with quiet_stdout():
        for module in (*policies.modules, *policies.tests):
            try:
                interp.add_module(module.path, module.source)
            except regopy.RegoError as exc:
                from auditor.policy.rego import _load_error

                raise _load_error(str(exc), policies, default=module.path) from exc
        interp.add_data(dict(policies.data))
    results: list[PolicyTestResult] = []
    for module in policies.tests:
        for rule in module.test_rules:
            ok, value = _run(interp, query=rule_ref(module.package, rule.name))
            if not ok:
                results.append(_result(module.path, module.package, rule, False, str(value)))
            elif value is True:
                results.append(_result(module.path, module.package, rule, True, ""))
            else:
                detail = "undefined" if value is None else f"got {value!r}"
                results.append(_result(module.path, module.package, rule, False, detail))
    return results


def _result(path: str, package: str, rule: object, passed: bool, detail: str) -> PolicyTestResult:
    from auditor.policy.parse import RuleInfo

    assert isinstance(rule, RuleInfo)
    return PolicyTestResult(
        file=path, package=package, name=rule.name, line=rule.line, passed=passed, detail=detail
    )
