"""The fault matrix: a cluster that answers 500, 403, 429, garbage, drips, refuses, or is
killed mid-list, under each command that reads it (audit, diff, sync, audit --heal). Each
time: no write at all, nothing reported Missing, exit 2, within the configured deadlines.
The app is really OutOfSync, so a heal that wrongly went ahead would show as a write."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli.main import _register, cli
from auditor.kubesim.faults import Fault
from auditor.kubesim.testing import RunningSim, running_kubesim
from auditor.sources.local import init_repo

pytestmark = pytest.mark.slow  # each case starts a simulated cluster

APPLICATION = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Application",
    "metadata": {"name": "web", "namespace": "argocd"},
    "spec": {
        "project": "default",
        "source": {"repoURL": "https://git.example.com/deploy.git", "path": "apps/web"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
        "syncPolicy": {"automated": {"selfHeal": True, "prune": True}},
    },
}
CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "web"},
    "data": {"mode": "git"},
}
LIST_CONFIGMAPS = r"^/api/v1/configmaps$"
FAULTS: dict[str, Fault | None] = {
    "500": Fault(status=500, path=LIST_CONFIGMAPS, times=None),
    "403": Fault(status=403, path=LIST_CONFIGMAPS, times=None),
    "429": Fault(status=429, retry_after=1, path=LIST_CONFIGMAPS, times=None),
    "garbage JSON": Fault(body=b"<html>502 Bad Gateway</html>", path=LIST_CONFIGMAPS, times=None),
    "drip": Fault(drip=1.0, path=LIST_CONFIGMAPS, times=None),
    "refused": None,
    "killed mid-list": Fault(cut=True, path=LIST_CONFIGMAPS, times=None),
}
COMMANDS = {
    "audit": ["audit", "-o", "json"],
    "diff": ["diff", "--app", "web", "-o", "json"],
    "sync": ["sync", "--app", "web", "-o", "json"],
    "audit --heal": ["audit", "--heal", "-o", "json"],
}
TIMEOUTS = {"request_seconds": 2.0, "cluster_read_seconds": 6.0, "read_retries": 2}
DEADLINE = 30.0  # the worst case: every list of the read held to cluster_read_seconds


@dataclass
class World:
    sim: RunningSim
    repo: Path
    config: Path

    def run(self, *args: str, kubeconfig: Path | None = None) -> Result:
        _register()
        common = ["--repo", str(self.repo), "--revision", "main", "--config", str(self.config)]
        common += ["--kubeconfig", str(kubeconfig or self.sim.kubeconfig)]
        return CliRunner().invoke(cli, [args[0], *common, *args[1:]], catch_exceptions=False)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    src = tmp_path / "src"
    (src / "apps" / "web").mkdir(parents=True)
    (src / "argocd").mkdir()
    (src / "argocd" / "web.yaml").write_text(yaml.safe_dump(APPLICATION))
    (src / "apps" / "web" / "settings.yaml").write_text(yaml.safe_dump(CONFIGMAP))
    repo = tmp_path / "repo"
    init_repo(src, repo)
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump({"cache_dir": str(tmp_path / "cache"), "timeouts": TIMEOUTS}))
    with running_kubesim(tmp_path / "sim", controllers=False) as sim:
        sim.kubectl("create", "namespace", "web")
        world = World(sim=sim, repo=repo, config=config)
        synced = world.run("sync", "--app", "web")
        assert synced.exit_code == 0, synced.output
        patch(sim, "/api/v1/namespaces/web/configmaps/settings", {"data": {"mode": "hand"}})
        drifted = world.run("diff", "--app", "web")
        assert drifted.exit_code == 1, drifted.output
        yield world


def patch(sim: RunningSim, path: str, body: object) -> None:
    url = urlsplit(sim.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port)
    headers = {"Content-Type": "application/merge-patch+json"}
    conn.request("PATCH", path, body=json.dumps(body), headers=headers)
    assert conn.getresponse().status == 200
    conn.close()


def refused_kubeconfig(sim: RunningSim, tmp_path: Path) -> Path:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    doc = yaml.safe_load(sim.kubeconfig.read_text())
    doc["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{port}"
    path = tmp_path / "refused.kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_cluster_is_unknown_never_written_never_missing(
    world: World, tmp_path: Path, fault: str, command: str
) -> None:
    store = world.sim.sim.cluster.store
    before = store.resource_version
    kubeconfig = None
    injected = FAULTS[fault]
    if injected is None:
        kubeconfig = refused_kubeconfig(world.sim, tmp_path)
    else:
        world.sim.sim.faults.add(injected)
    started = time.monotonic()
    try:
        result = world.run(*COMMANDS[command], kubeconfig=kubeconfig)
    finally:
        world.sim.sim.faults.clear()
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert store.resource_version == before  # not one write
    assert "Missing" not in result.stdout
    assert "Unknown" in result.stdout
    assert elapsed < DEADLINE
