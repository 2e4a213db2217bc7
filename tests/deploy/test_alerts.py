"""The PrometheusRule of deploy/: valid rules for promtool, its unit tests pass (each
alert fires when it should and stays quiet when it should not), and it names only the
metrics gitops-auditor exposes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.deploy import MONITORING, tool
from tests.helpers.metrics import check_query

ALERTS = {
    "GitOpsAuditorProductionDriftOpen",
    "GitOpsAuditorSyncFailing",
    "GitOpsAuditorRoundsStale",
    "GitOpsAuditorQueueGrowing",
    "GitOpsAuditorClusterDown",
    "GitOpsAuditorAppsUnknown",
}


def rule_spec() -> dict[str, Any]:
    rule = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text())
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    return rule["spec"]  # type: ignore[no-any-return]


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool("promtool")), *args], cwd=cwd, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """The PrometheusRule's groups as a Prometheus rule file, beside the unit tests."""
    (tmp_path / "alerts.rules.yaml").write_text(yaml.safe_dump(rule_spec()))
    shutil.copy(MONITORING / "alerts_test.yaml", tmp_path / "alerts_test.yaml")
    return tmp_path


def test_promtool_check_rules(rules_dir: Path) -> None:
    out = promtool("check", "rules", "alerts.rules.yaml", cwd=rules_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    count = sum(len(g["rules"]) for g in rule_spec()["groups"])
    assert f"SUCCESS: {count} rules found" in out.stdout


def test_promtool_unit_tests(rules_dir: Path) -> None:
    out = promtool("test", "rules", "alerts_test.yaml", cwd=rules_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def test_unit_tests_cover_every_alert() -> None:
    tests = yaml.safe_load((MONITORING / "alerts_test.yaml").read_text())["tests"]
    tested = {case["alertname"] for t in tests for case in t["alert_rule_test"]}
    alerts = {r["alert"] for g in rule_spec()["groups"] for r in g["rules"]}
    assert ALERTS <= alerts and tested == alerts


def test_a_broken_expectation_fails(rules_dir: Path) -> None:
    """promtool really evaluates the cases: a wrong expected label makes it fail."""
    text = (rules_dir / "alerts_test.yaml").read_text()
    (rules_dir / "alerts_test.yaml").write_text(text.replace("cluster: prod-eu-1", "cluster: x"))
    assert promtool("test", "rules", "alerts_test.yaml", cwd=rules_dir).returncode == 1


def test_rules_name_only_exposed_metrics() -> None:
    for group in rule_spec()["groups"]:
        for rule in group["rules"]:
            assert check_query(rule["expr"]) == [], rule["alert"]
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert rule["annotations"]["summary"] and rule["annotations"]["description"]
