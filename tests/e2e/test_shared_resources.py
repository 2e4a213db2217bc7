"""One object declared by two apps (Argo CD's SharedResourceWarning): both apps report it,
naming the other; neither heal puts its own version back, so they never flip it back and
forth; and a prune never deletes an object another app still declares."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.kubesim.testing import running_kubesim
from auditor.sources.local import init_repo
from tests.e2e.test_fault_matrix import World

pytestmark = pytest.mark.slow  # starts a simulated cluster


def application(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/deploy.git", "path": f"apps/{name}"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
            "syncPolicy": {"automated": {"selfHeal": True, "prune": True}},
        },
    }


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def write_repo(src: Path, apps: dict[str, list[dict[str, Any]]]) -> None:
    (src / "argocd").mkdir(parents=True, exist_ok=True)
    for name, objects in apps.items():
        (src / "argocd" / f"{name}.yaml").write_text(yaml.safe_dump(application(name)))
        folder = src / "apps" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "all.yaml").write_text(yaml.safe_dump_all(objects))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    src = tmp_path / "src"
    write_repo(src, {"alpha": [], "beta": []})
    repo = tmp_path / "repo"
    init_repo(src, repo)
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump({"cache_dir": str(tmp_path / "cache")}))
    with running_kubesim(tmp_path / "sim", controllers=False) as sim:
        sim.kubectl("create", "namespace", "shop")
        yield World(sim=sim, repo=repo, config=config)


def value(world: World, name: str) -> str:
    return world.sim.kubectl("get", "cm", name, "-n", "shop", "-o", "jsonpath={.data.mode}").stdout


def deploy(world: World, tmp_path: Path, apps: dict[str, list[dict[str, Any]]]) -> None:
    src = tmp_path / f"src-{len(list(tmp_path.glob('src-*')))}"
    write_repo(src, apps)
    init_repo(src, world.repo)


def test_two_apps_declaring_one_object_report_it_and_never_fight(
    world: World, tmp_path: Path
) -> None:
    deploy(world, tmp_path, {"alpha": [configmap("settings", mode="a")], "beta": []})
    assert world.run("sync", "--app", "alpha").exit_code == 0  # alpha's version goes live
    both = {"alpha": [configmap("settings", mode="a")], "beta": [configmap("settings", mode="b")]}
    deploy(world, tmp_path, both)  # then beta declares it too, with another value
    rounds = []
    for _ in range(3):
        result = world.run("audit", "--heal", "-o", "json")
        rounds.append(json.loads(result.output))
        assert value(world, "settings") == "a"  # no heal flips it to beta's and back
    last = {a["name"]: a for a in rounds[-1]["apps"]}
    assert last["alpha"]["resources"][0]["sharedWith"] == ["beta"]
    assert last["beta"]["resources"][0]["sharedWith"] == ["alpha"]
    for name, other in (("alpha", "beta"), ("beta", "alpha")):
        assert any(
            n.startswith("SharedResourceWarning: ConfigMap/settings is part of applications")
            and other in n
            for n in last[name]["notes"]
        )
    syncs = {s["app"]: s for s in rounds[-1]["remediation"]["syncs"]}
    (skipped,) = [a for a in syncs["beta"]["actions"] if a["name"] == "settings"]
    assert skipped["action"] == "skipped" and "shared with alpha" in skipped["reason"]


def test_a_prune_spares_an_object_another_app_declares(world: World, tmp_path: Path) -> None:
    deploy(world, tmp_path, {"alpha": [configmap("settings", mode="a")], "beta": []})
    assert world.run("sync", "--app", "alpha").exit_code == 0  # labelled as alpha's
    moved = {"alpha": [configmap("alpha-own", a="1")], "beta": [configmap("settings", mode="a")]}
    deploy(world, tmp_path, moved)  # the object moves from alpha to beta in Git
    result = world.run("sync", "--app", "alpha", "--prune", "-o", "json")
    data = json.loads(result.output)
    (kept,) = [a for a in data["actions"] if a["name"] == "settings"]
    assert kept["action"] == "skipped" and "shared with beta" in kept["reason"]
    assert value(world, "settings") == "a"  # not deleted: beta declares it
    diff = json.loads(world.run("diff", "--app", "beta", "-o", "json").output)
    assert diff["resources"][0]["sharedWith"] == ["alpha"]  # still labelled as alpha's
