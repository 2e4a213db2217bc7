"""The embedded engine: conftest conventions, exceptions, namespaces, app context, typed
errors for syntax and unknown functions, runtime errors per rule, quiet stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy.engine import RawOutcome
from auditor.policy.errors import PolicyLoadError
from auditor.policy.library import load_policy_set
from auditor.policy.rego import RegoPolicyEngine

MAIN = """package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("deployment %s", [input.metadata.name])
}

violation contains {"msg": "object form", "id": "custom/id", "details": {"k": 1}} if {
	input.kind == "Deployment"
}

warn_replicas contains "few replicas" if input.spec.replicas < 2

deny_number contains msg if {
	n := to_number(input.metadata.annotations.size)
	msg := sprintf("size %v", [n])
}

exception contains rules if {
	input.metadata.name == "legacy"
	rules := ["replicas"]
}
"""

APP = """package team.checks

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	data.auditor.app.environment == "production"
	msg := sprintf("%s in %s", [input.metadata.name, data.auditor.app.name])
}
"""


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def deployment(name: str, **annotations: str) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"replicas": 1},
    }


def test_conventions_and_namespaces(tmp_path: Path) -> None:
    policies = load_policy_set(
        builtin=False, paths=[write(tmp_path, {"a.rego": MAIN, "b.rego": APP})]
    )
    engine = RegoPolicyEngine(policies)
    [out] = engine.evaluate(scope="resource", context={}, resources=[deployment("web")])
    assert out.values["main/deny"] == ("deployment web",)
    assert out.values["main/violation"][0]["id"] == "custom/id"
    assert out.values["main/warn_replicas"] == ("few replicas",)
    [app] = engine.evaluate(
        scope="app",
        context={"app": {"name": "web-prod", "environment": "production"}},
        resources=[deployment("web")],
    )
    assert app.values["team.checks/deny"] == ("web in web-prod",)


def test_exception_and_runtime_error_per_rule(tmp_path: Path) -> None:
    policies = load_policy_set(builtin=False, paths=[write(tmp_path, {"a.rego": MAIN})])
    engine = RegoPolicyEngine(policies)
    legacy, broken = engine.evaluate(
        scope="resource",
        context={},
        resources=[deployment("legacy"), deployment("web", size="huge")],
    )
    assert legacy.exceptions["main"] == ("replicas",)
    assert "main/deny_number" in broken.errors
    assert broken.values["main/deny"] == ("deployment web",)  # the others still count


def test_syntax_error_names_file_and_line(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = 'package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := "x"\n'
    policies = load_policy_set(builtin=False, paths=[write(tmp_path, {"bad.rego": bad})])
    with pytest.raises(PolicyLoadError) as caught:
        RegoPolicyEngine(policies)
    assert caught.value.path.endswith("bad.rego")
    assert caught.value.line == 5
    assert capfd.readouterr().out == ""  # rego-cpp's own report is kept off stdout


def test_unknown_function_names_file_and_line(tmp_path: Path) -> None:
    bad = "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tmsg := bogus(1)\n}\n"
    policies = load_policy_set(builtin=False, paths=[write(tmp_path, {"bad.rego": bad})])
    with pytest.raises(PolicyLoadError, match=r"bad.rego:6: Function not found: bogus"):
        RegoPolicyEngine(policies)


def test_missing_policy_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyLoadError, match="does not exist"):
        load_policy_set(builtin=False, paths=[tmp_path / "nope"])


ODD = """package odd

import rego.v1

deny contains msg if {
	input.metadata.annotations.quoted == "say \\"hi\\" \\\\ back\\nslash"
	msg := sprintf("matched %v", [input.metadata.annotations.quoted])
}

deny_named contains msg if {
	name := object.get(input, ["metadata", "name"], "")
	msg := sprintf("Job %s: unnamed", [name])
}
"""


def test_strings_with_quotes_backslashes_and_newlines_reach_rules_intact(tmp_path: Path) -> None:
    policies = load_policy_set(builtin=False, paths=[write(tmp_path, {"odd.rego": ODD})])
    [outcome] = RegoPolicyEngine(policies).evaluate(
        scope="resource",
        context={},
        resources=[deployment("web", quoted='say "hi" \\ back\nslash')],
    )
    assert outcome.values["odd/deny"] == ('matched say "hi" \\ back\nslash',)
    assert not outcome.errors


def test_a_result_rego_cpp_writes_as_invalid_json_is_still_read(tmp_path: Path) -> None:
    # rego-cpp writes `sprintf` of a defaulted "" unescaped (`Job "": ...`), as for an
    # object with generateName (hook Jobs): the result is read string by string.
    policies = load_policy_set(builtin=False, paths=[write(tmp_path, {"odd.rego": ODD})])
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "migrate-"}}
    [outcome] = RegoPolicyEngine(policies).evaluate(scope="resource", context={}, resources=[job])
    assert not outcome.errors
    [message] = outcome.values["odd/deny_named"]
    assert message.startswith("Job ") and message.endswith(": unnamed")


def test_no_policies_at_all_find_nothing() -> None:
    engine = RegoPolicyEngine(load_policy_set(builtin=False))
    assert engine.evaluate(scope="resource", context={}, resources=[deployment("web")]) == [
        RawOutcome()
    ]
