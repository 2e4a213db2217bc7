"""Server-side apply through kubectl (ownership, conflicts, force) and CRDs whose custom
resources appear in discovery, OpenAPI and get their schema defaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.kubesim.testing import RunningSim
from tests.helpers import KUBESIM_DATA as DATA

pytestmark = pytest.mark.kubectl


def get(sim: RunningSim, *args: str) -> Any:
    return json.loads(sim.kubectl("get", *args, "-o", "json", "--show-managed-fields").stdout)


def write(tmp_path: Path, name: str, obj: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def deployment(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]},
            },
            **spec,
        },
    }


def test_server_side_apply_records_apply_owner(sim: RunningSim, tmp_path: Path) -> None:
    out = sim.kubectl(
        "apply", "--server-side", "-f", write(tmp_path, "d.yaml", deployment("ssa", replicas=2))
    )
    assert "serverside-applied" in out.stdout
    live = get(sim, "deployment", "ssa")
    entry = next(e for e in live["metadata"]["managedFields"] if e["manager"] == "kubectl")
    assert entry["operation"] == "Apply" and entry["apiVersion"] == "apps/v1"
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert "f:strategy" not in entry["fieldsV1"]["f:spec"]  # defaults are nobody's
    assert "kubectl.kubernetes.io/last-applied-configuration" not in live["metadata"].get(
        "annotations", {}
    )


def test_conflict_then_force(sim: RunningSim, tmp_path: Path) -> None:
    sim.kubectl("apply", "-f", write(tmp_path, "d.yaml", deployment("conf", replicas=2)))
    changed = write(tmp_path, "d2.yaml", deployment("conf", replicas=5))
    out = sim.kubectl("apply", "--server-side", "-f", changed, check=False)
    assert out.returncode == 1
    assert 'conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' in out.stderr
    assert get(sim, "deployment", "conf")["spec"]["replicas"] == 2
    sim.kubectl("apply", "--server-side", "--force-conflicts", "-f", changed)
    live = get(sim, "deployment", "conf")
    assert live["spec"]["replicas"] == 5
    owners = {e["manager"]: e["fieldsV1"] for e in live["metadata"]["managedFields"]}
    assert "f:replicas" in owners["kubectl"]["f:spec"]
    # kubectl then migrates client-side-apply ownership into its Apply entry.
    assert "kubectl-client-side-apply" not in owners
    assert "f:selector" in owners["kubectl"]["f:spec"]


def test_apply_removes_fields_no_longer_applied(sim: RunningSim, tmp_path: Path) -> None:
    with_labels = deployment("prune", replicas=3)
    with_labels["metadata"]["labels"] = {"keep": "1", "drop": "1"}
    sim.kubectl("apply", "--server-side", "-f", write(tmp_path, "p.yaml", with_labels))
    without = deployment("prune")
    without["metadata"]["labels"] = {"keep": "1"}
    sim.kubectl("apply", "--server-side", "-f", write(tmp_path, "p.yaml", without))
    live = get(sim, "deployment", "prune")
    assert live["metadata"]["labels"] == {"keep": "1"}
    assert live["spec"]["replicas"] == 1  # no longer applied: removed, then defaulted


def test_apply_removes_list_items_no_longer_applied(sim: RunningSim, tmp_path: Path) -> None:
    """An item of an associative list (env by name) that the applier alone owned goes away
    whole, first, middle or last; it never stays behind without its key."""
    full = deployment("prune-env")
    container = full["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": n, "value": n.lower()} for n in ("A", "B", "C")]
    sim.kubectl("apply", "--server-side", "-f", write(tmp_path, "e.yaml", full))
    container["env"] = [{"name": "B", "value": "b"}]
    sim.kubectl("apply", "--server-side", "-f", write(tmp_path, "e.yaml", full))
    live = get(sim, "deployment", "prune-env")
    assert live["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "B", "value": "b"}]


def test_crd_and_custom_resource(sim: RunningSim) -> None:
    sim.kubectl("apply", "-f", str(DATA / "crd-widget.yaml"))
    sim.kubectl("apply", "-f", str(DATA / "widget.yaml"))
    widget = get(sim, "widget", "w1")
    assert widget["spec"] == {"color": "blue", "size": 3}  # size from the schema default
    table = sim.kubectl("get", "widgets").stdout.split("\n")
    assert table[0].split() == ["NAME", "SIZE", "AGE"] and table[1].split()[:2] == ["w1", "3"]
    assert "wd" in sim.kubectl("api-resources", "--api-group=example.com").stdout
    assert "size\t<integer>" in sim.kubectl("explain", "widget.spec").stdout
    sim.kubectl("patch", "widget", "w1", "--type", "merge", "-p", '{"spec":{"color":"red"}}')
    assert get(sim, "wd", "w1")["spec"]["color"] == "red"
    smp = sim.kubectl("patch", "widget", "w1", "--type", "strategic", "-p", "{}", check=False)
    assert smp.returncode == 1 and "strategic-merge-patch+json is not supported" in smp.stderr
    sim.kubectl("delete", "crd", "widgets.example.com")
    assert sim.kubectl("get", "widgets", check=False).returncode == 1
