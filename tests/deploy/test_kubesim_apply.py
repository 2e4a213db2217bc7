"""kubesim accepts deploy/ as a cluster would: the real kubectl renders each overlay and
server-side applies it (after the Prometheus Operator CRDs), every object is stored, and
moving from one overlay to the other leaves valid objects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.kubesim.testing import RunningSim, running_kubesim
from tests.helpers.deploy import DEPLOY, DEPLOY_DATA, kustomize

pytestmark = [pytest.mark.kubectl, pytest.mark.slow]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSim]:
    with running_kubesim(tmp_path_factory.mktemp("deploy-sim")) as running:
        running.kubectl("apply", "--server-side", "-f", str(DEPLOY_DATA / "monitoring-crds.yaml"))
        yield running


def apply(sim: RunningSim, overlay: str) -> str:
    rendered = sim.kubectl("kustomize", str(DEPLOY / "overlays" / overlay)).stdout
    return sim.kubectl(
        "apply", "--server-side", "--field-manager", "gitops-auditor-install", "-f", "-",
        input=rendered,
    ).stdout  # fmt: skip


def names(sim: RunningSim, kinds: str) -> set[str]:
    listed = json.loads(sim.kubectl("get", kinds, "-A", "-o", "json").stdout)
    return {f"{o['kind']}/{o['metadata']['name']}" for o in listed["items"]}


@pytest.mark.parametrize("overlay", ["single-cluster", "multi-cluster"])
def test_overlay_is_applied_whole(sim: RunningSim, overlay: str) -> None:
    out = apply(sim, overlay)
    expected = kustomize(DEPLOY / "overlays" / overlay)
    assert out.count("serverside-applied") == len(expected), out
    kinds = ",".join(sorted({o["kind"].lower() for o in expected}))
    stored = names(sim, kinds)
    assert {f"{o['kind']}/{o['metadata']['name']}" for o in expected} <= stored


def test_switching_overlays_keeps_the_deployments_valid(sim: RunningSim, tmp_path: Path) -> None:
    """single-cluster sets REDIS_URL on the pods, multi-cluster does not: re-applying with
    the same field manager drops the variable, as a real API server does."""
    apply(sim, "single-cluster")
    apply(sim, "multi-cluster")
    worker = json.loads(
        sim.kubectl("get", "deployment", "gitops-auditor-worker", "-n", "gitops-auditor",
                    "-o", "json").stdout
    )  # fmt: skip
    [container] = worker["spec"]["template"]["spec"]["containers"]
    assert "REDIS_URL" not in {e["name"] for e in container["env"]}
    assert all(e.get("name") for e in container["env"])
    assert worker["spec"]["replicas"] == 4
