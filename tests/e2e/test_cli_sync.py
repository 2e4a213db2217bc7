"""`sync` and `audit --heal` from the command line, against kubesim."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli.main import _register, cli
from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.store import open_store

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo


def run(world: DemoWorld, tmp_path: Path, *args: str) -> Result:
    config = tmp_path / "gitops-auditor.yaml"
    data = world.pipeline.config.model_dump(mode="json")
    data["cache_dir"] = str(tmp_path / "cache")
    config.write_text(yaml.safe_dump(data))
    _register()
    common = ["--repo", str(world.repo), "--revision", "main", "--config", str(config)]
    common += ["--kubeconfig", str(world.fleet.kubeconfig)]
    return CliRunner().invoke(cli, [args[0], *common, *args[1:]], catch_exceptions=False)


def test_sync_dry_run_then_sync(world: DemoWorld, tmp_path: Path) -> None:
    make_drift(world.kubectl)
    dry = run(world, tmp_path, "sync", "--app", "billing", "--dry-run", "-o", "json")
    assert dry.exit_code == 0, dry.output  # the plan was made; writing it was not asked
    planned = json.loads(dry.output)
    assert planned["dryRun"] is True
    (action,) = [a for a in planned["actions"] if a["kind"] == "Deployment"]
    assert action["action"] == "applied"
    assert [(c["path"], c["desired"], c["live"]) for c in action["changes"]] == [
        ("spec.replicas", 2, 4)
    ]
    replicas = world.kubectl("get", "deployment", "billing", "-n", "billing",
                             "-o", "jsonpath={.spec.replicas}", context="production")  # fmt: skip
    assert replicas.stdout == "4"

    done = run(world, tmp_path, "sync", "--app", "billing")
    assert done.exit_code == 0, done.output
    assert "Deployment" in done.output and "applied" in done.output
    replicas = world.kubectl("get", "deployment", "billing", "-n", "billing",
                             "-o", "jsonpath={.spec.replicas}", context="production")  # fmt: skip
    assert replicas.stdout == "2"
    after = run(world, tmp_path, "diff", "--app", "billing")
    assert after.exit_code == 0 and after.output.strip() == "billing: Synced, Healthy"

    store = open_store(cache_dir=tmp_path / "cache", env={})
    log = [(e.action, e.result, e.actor.via) for e in store.audit_log(target="billing")]
    assert log == [("sync", "done", "cli"), ("sync", "started", "cli")]  # newest first
    assert store.audit_log(target="billing")[0].actor.user == f"user:{getpass.getuser()}"
    (op,) = store.syncs(app="billing")
    assert not op.dry_run and op.trigger == "manual" and op.status == "succeeded"
    state = store.app("billing")  # the sync is followed by a recorded audit
    assert state is not None and state.sync_status == "Synced"


def test_audit_heal_heals_apps_in_heal_mode_only(world: DemoWorld, tmp_path: Path) -> None:
    make_drift(world.kubectl)
    result = run(world, tmp_path, "audit", "--heal", "-o", "json")
    data = json.loads(result.output)
    healed = {s["app"] for s in data["remediation"]["syncs"]}
    # my-api-production is in heal mode (selfHeal: true); billing and another-service-dev
    # are report-only and stay as they are.
    assert healed == {"my-api-production"}
    image = world.kubectl("get", "deployment", "my-api", "-n", "production", "-o",
                          "jsonpath={.spec.template.spec.containers[0].image}",
                          context="production")  # fmt: skip
    assert image.stdout == "myregistry.com/my-api:v1.4.2"
    assert result.exit_code == 1  # billing and another-service-dev are still OutOfSync
