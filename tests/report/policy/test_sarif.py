"""SARIF 2.1.0: validated against the schema (jsonschema is in the venv; the schema is
not available offline, so the required structure of the 2.1.0 schema is checked as a
JSON Schema written here from the standard's required properties)."""

from __future__ import annotations

import json

import jsonschema

from auditor.report.policy import CheckReport, render_check

# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) a result relies on.
SARIF_REQUIRED = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id"]},
                                    }
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "properties": {
                                "message": {"type": "object", "required": ["text"]},
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "properties": {
                                                    "region": {
                                                        "type": "object",
                                                        "properties": {
                                                            "startLine": {
                                                                "type": "integer",
                                                                "minimum": 1,
                                                            }
                                                        },
                                                    }
                                                },
                                            }
                                        },
                                    },
                                },
                                "suppressions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["kind"],
                                        "properties": {"kind": {"enum": ["inSource", "external"]}},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def test_sarif_validates_and_points_at_source(report: CheckReport) -> None:
    doc = json.loads(render_check(report, fmt="sarif")[0])
    jsonschema.validate(doc, SARIF_REQUIRED)
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
