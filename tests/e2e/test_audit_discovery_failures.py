"""An audit never drops silently what could not declare its apps: an ApplicationSet that
fails to generate (here a git generator on a repo that is neither this one nor
configured) and an Argo CD manifest that does not parse are Unknown entries, and the
audit exits 2, while the apps that did resolve are audited as usual."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import git
import pytest
import yaml

from auditor.kubesim.testing import running_kubesim
from auditor.sources.local import init_repo
from tests.e2e.test_fault_matrix import APPLICATION, CONFIGMAP, TIMEOUTS, World

pytestmark = pytest.mark.slow  # starts a simulated cluster

APPSET = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "ApplicationSet",
    "metadata": {"name": "teams", "namespace": "argocd"},
    "spec": {
        "generators": [{"git": {"repoURL": "https://git.example.com/elsewhere.git",
                                "revision": "main", "directories": [{"path": "teams/*"}]}}],
        "template": {
            "metadata": {"name": "{{path.basename}}"},
            "spec": {
                "project": "default",
                "source": {"repoURL": "https://git.example.com/elsewhere.git", "path": "{{path}}"},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
            },
        },
    },
}  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    src = tmp_path / "src"
    (src / "apps" / "web").mkdir(parents=True)
    (src / "argocd").mkdir()
    (src / "argocd" / "web.yaml").write_text(yaml.safe_dump(APPLICATION))
    (src / "argocd" / "teams.yaml").write_text(yaml.safe_dump(APPSET))
    (src / "argocd" / "broken.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: [oops\n"
    )
    (src / "apps" / "web" / "settings.yaml").write_text(yaml.safe_dump(CONFIGMAP))
    repo = tmp_path / "repo"
    init_repo(src, repo)
    # A clone of the repo the Applications name: another repoURL is not this one.
    git.Repo(str(repo)).create_remote("origin", APPLICATION["spec"]["source"]["repoURL"])
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump({"cache_dir": str(tmp_path / "cache"), "timeouts": TIMEOUTS}))
    with running_kubesim(tmp_path / "sim", controllers=False) as sim:
        sim.kubectl("create", "namespace", "web")
        yield World(sim=sim, repo=repo, config=config)


def test_what_could_not_declare_its_apps_is_unknown(world: World) -> None:
    assert world.run("sync", "--app", "web").exit_code == 0
    result = world.run("audit", "-o", "json")
    assert result.exit_code == 2  # Unknown entries: the audit is not complete
    apps = {a["name"]: a for a in json.loads(result.stdout)["apps"]}
    assert apps["web"]["sync"] == "Synced"
    teams = apps["teams (ApplicationSet)"]
    assert teams["sync"] == "Unknown" and teams["path"] == "argocd/teams.yaml"
    assert "ApplicationSet teams declares no apps" in teams["error"]
    assert "elsewhere.git" in teams["error"]
    broken = apps["argocd/broken.yaml"]
    assert broken["sync"] == "Unknown" and "argocd/broken.yaml" in broken["error"]
    table = world.run("audit")
    assert "teams (ApplicationSet)" in table.output and table.exit_code == 2
    only_web = world.run("audit", "--app", "web")
    assert only_web.exit_code == 0  # naming apps audits just those
