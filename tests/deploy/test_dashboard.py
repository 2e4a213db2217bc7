"""The Grafana dashboard of deploy/: valid JSON, a unique id per panel, and every query is
PromQL that promtool accepts and that names only the metrics gitops-auditor exposes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tests.helpers.deploy import DEPLOY, MONITORING, by_kind, kustomize, tool
from tests.helpers.metrics import METRICS, check_query

DASHBOARD = MONITORING / "dashboard.json"
# Grafana's variables, as Prometheus would see them once Grafana substitutes them.
VARIABLES = {"$__rate_interval": "5m", "$cluster": ".*"}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())  # type: ignore[no-any-return]


def queries(board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            yield f"{panel['title']} ({target['refId']})", target["expr"]


def test_dashboard_parses_with_unique_panel_ids() -> None:
    board = dashboard()
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)) and board["uid"] == "gitops-auditor"
    assert {v["name"] for v in board["templating"]["list"]} == {"datasource", "cluster"}


def test_every_query_names_only_exposed_metrics() -> None:
    board = dashboard()
    named = set()
    for where, expr in queries(board):
        assert check_query(expr) == [], where
        named |= {m for m in METRICS if m in expr}
    assert named == set(METRICS)  # the dashboard shows every metric


def test_every_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query (as a recording rule) after Grafana's substitutions."""
    rules = []
    for i, (_, expr) in enumerate(queries(dashboard())):
        for variable, value in VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    file = tmp_path / "dashboard.rules.yaml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    out = subprocess.run(
        [str(tool("promtool")), "check", "rules", str(file)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {len(rules)} rules found" in out.stdout


def test_dashboard_ships_as_a_config_map_for_grafana() -> None:
    objects = kustomize(DEPLOY / "overlays" / "single-cluster")
    config_map = by_kind(objects, "ConfigMap")["gitops-auditor-dashboard"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map["data"]["gitops-auditor.json"]) == dashboard()


def test_the_metric_check_catches_unknown_series_and_labels() -> None:
    assert check_query("sum(gitops_auditor_app_infos)") == [
        "unknown series 'gitops_auditor_app_infos'"
    ]
    assert check_query('gitops_auditor_syncs_total{status="failed"}') == [
        "gitops_auditor_syncs_total has no label 'status'"
    ]
    assert check_query("sum by (app) (gitops_auditor_queue_jobs)") == [
        "grouping by 'app', a label of none of ['gitops_auditor_queue_jobs']"
    ]
