"""`audit` and `diff` from the command line against kubesim: JSON shape, exit codes, text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli.main import _register, cli
from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo


def run(world: DemoWorld, tmp_path: Path, *args: str) -> Result:
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump(world.pipeline.config.model_dump(mode="json")))
    _register()
    common = ["--repo", str(world.repo), "--revision", "main", "--config", str(config)]
    common += ["--kubeconfig", str(world.fleet.kubeconfig)]
    return CliRunner().invoke(cli, [args[0], *common, *args[1:]], catch_exceptions=False)


def test_audit_json_has_the_documented_shape(world: DemoWorld, tmp_path: Path) -> None:
    make_drift(world.kubectl)
    result = run(world, tmp_path, "audit", "-o", "json", "--stats")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert set(data) == {"revision", "generatedAt", "apps", "stats"}
    assert data["revision"] == world.sha
    billing = next(a for a in data["apps"] if a["name"] == "billing")
    assert set(billing) >= {
        "name", "project", "cluster", "namespace", "path", "revision", "sync", "error",
        "resources", "violations",
    }  # fmt: skip
    assert billing["sync"] == "OutOfSync" and billing["error"] is None
    deploy = next(r for r in billing["resources"] if r["kind"] == "Deployment")
    assert {k: deploy[k] for k in ("group", "version", "namespace", "name", "status")} == {
        "group": "apps",
        "version": "v1",
        "namespace": "billing",
        "name": "billing",
        "status": "OutOfSync",
    }
    assert deploy["requiresPruning"] is False
    change = deploy["changes"][0]
    assert (change["path"], change["desired"], change["live"]) == ("spec.replicas", 2, 4)
    assert change["manager"] == "kubectl" and change["time"].endswith("Z")
    assert "-  replicas: 4" in deploy["diff"] and "+  replicas: 2" in deploy["diff"]
    extra = next(r for a in data["apps"] for r in a["resources"] if r["name"] == "debug-dump")
    assert extra["status"] == "Extra" and extra["requiresPruning"] is True
    # Argo CD's health: the scaled Deployment's controller settled (Healthy), a ConfigMap
    # has no health check (null), the deleted Service is Missing, which the app's own
    # health does not count (its other resources are live).
    assert deploy["health"] == {"status": "Healthy", "message": ""}
    assert billing["health"] == {"status": "Healthy", "message": ""}
    assert extra["health"] is None
    dev = next(a for a in data["apps"] if a["name"] == "my-api-dev")
    service = next(r for r in dev["resources"] if r["kind"] == "Service")
    assert service["status"] == "Missing" and service["health"]["status"] == "Missing"
    assert dev["health"]["status"] == "Healthy", dev["health"]
    assert data["stats"]["apiRequestsTotal"] == sum(data["stats"]["apiRequests"].values())


@pytest.mark.parametrize(("drift", "code"), [(False, 0), (True, 1)])
def test_diff_exit_codes(world: DemoWorld, tmp_path: Path, drift: bool, code: int) -> None:
    if drift:
        make_drift(world.kubectl)
    result = run(world, tmp_path, "diff", "--app", "billing")
    assert result.exit_code == code, result.output
    if drift:
        assert "===== apps/Deployment billing/billing (OutOfSync) ======" in result.output
        assert "\n-  replicas: 4\n+  replicas: 2\n" in result.output
    else:
        assert result.output.strip() == "billing: Synced, Healthy"


def test_diff_of_unreachable_cluster_exits_2(world: DemoWorld, tmp_path: Path) -> None:
    world.fleet.sims["production"].stop()
    result = run(world, tmp_path, "diff", "--app", "billing", "-o", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["sync"] == "Unknown" and "unreachable" in data["error"]
    assert data["resources"] == []


def test_audit_table_and_markdown(world: DemoWorld, tmp_path: Path) -> None:
    make_drift(world.kubectl)
    table = run(world, tmp_path, "audit", "--app", "my-api-staging", "--stats")
    assert table.exit_code == 0  # an unmanaged change alone is not drift
    assert "metadata.labels.owner (unmanaged)" in table.output
    assert "kubectl-label" in table.output and "API requests" in table.output
    assert "HEALTH" in table.output.splitlines()[0] and "Healthy" in table.output
    md = run(world, tmp_path, "audit", "-o", "markdown")
    assert md.exit_code == 1
    assert "| billing | production | billing | ⚠️ OutOfSync | Healthy |" in md.output
    assert "| Deployment/billing | `spec.replicas` | 2 | 4 | kubectl |" in md.output
