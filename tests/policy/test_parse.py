"""Reading Rego without an engine: rules, METADATA, data references, v0 refusal."""

from __future__ import annotations

import pytest

from auditor.policy.errors import PolicyLoadError
from auditor.policy.parse import parse_module

V1 = """package main

import rego.v1

# METADATA
# title: No latest
# custom:
#   id: images/x
deny_latest contains msg if {
	input.kind == "Deployment"
	msg := sprintf("%v", [data.auditor.app.name])
}

warn contains "w" if input.x
exception contains rules if { rules := ["latest"] }
obj := {
	"a": 1,
}
"""


def test_rules_metadata_and_refs() -> None:
    module = parse_module("p.rego", V1)
    assert module.package == "main"
    assert [r.name for r in module.decision_rules] == ["deny_latest", "warn"]
    assert module.decision_rules[0].metadata["custom"]["id"] == "images/x"
    assert module.decision_rules[0].line == 9
    assert module.has_exceptions
    assert "auditor.app.name" in module.data_refs


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("package main\n\ndeny[msg] {\n  msg := 1\n}\n", 3),
        ("package main\nimport rego.v1\nallow {\n  true\n}\n", 3),
        ("package main\n\nallow = true {\n  true\n}\n", 3),
        ("package main\n\ndeny[msg] if {\n  msg := 1\n}\n", 3),
        ("package main\n\nf(x) = y {\n  y := x\n}\n", 3),
    ],
)
def test_v0_refused_with_file_and_line(source: str, line: int) -> None:
    with pytest.raises(PolicyLoadError) as caught:
        parse_module("old.rego", source)
    assert caught.value.path == "old.rego"
    assert caught.value.line == line
    assert "Rego v0" in str(caught.value)


def test_missing_package() -> None:
    with pytest.raises(PolicyLoadError, match="package"):
        parse_module("x.rego", "deny contains 1 if true\n")
