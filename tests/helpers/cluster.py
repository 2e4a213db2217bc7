"""A small repo plus one simulated cluster, for the tests of one Argo CD idiom at a time:
write the files, make them a git repository, start kubesim as `in-cluster`, and audit or
sync its apps through the real pipeline (real git, real kubectl, kubesim over HTTP)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.config import Config
from auditor.demo.fleet import Fleet, running_fleet
from auditor.demo.kubectl import Kubectl
from auditor.model import AppReport, SyncResult
from auditor.pipeline import Pipeline
from auditor.pipeline.audit import audit
from auditor.pipeline.sync import SyncRequest, sync
from auditor.sources.local import init_repo

REPO_URL = "https://git.example.com/deploy.git"


def application(
    name: str,
    *,
    path: str = "",
    repo: str = REPO_URL,
    revision: str = "HEAD",
    project: str = "default",
    namespace: str = "",
    create_namespace: bool = True,
) -> str:
    """An Argo CD Application deploying `path` (default: its name) of `repo` into the
    in-cluster destination's `namespace` (default: its name)."""
    options = "\n  syncPolicy: {syncOptions: [CreateNamespace=true]}" if create_namespace else ""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\n"
        f"spec:\n  project: {project}\n"
        f'  source: {{repoURL: "{repo}", path: {path or name}, targetRevision: "{revision}"}}\n'
        f"  destination: {{server: https://kubernetes.default.svc, namespace: {namespace or name}}}"
        f"{options}\n"
    )


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


@dataclass
class World:
    """The repo at `repo` (branch `main`), the cluster and the pipeline reading both."""

    repo: Path
    fleet: Fleet
    kubectl: Kubectl
    pipeline: Pipeline

    def run(self, *args: str, check: bool = True) -> str:
        return self.kubectl(*args, context="in-cluster", check=check).stdout

    def get(self, *args: str) -> dict[str, Any]:
        loaded = yaml.safe_load(self.run("get", *args, "-o", "yaml"))
        assert isinstance(loaded, dict)
        return loaded

    def apply(self, manifest: str) -> None:
        self.kubectl("apply", "-f", "-", context="in-cluster", stdin=textwrap.dedent(manifest))

    def audit(self, name: str) -> AppReport:
        checkout = self.pipeline.sources.checkout(str(self.repo), "main")
        discovery = self.pipeline.discover(checkout)
        app = discovery.app(name)
        assert app is not None, f"no app {name}"
        return audit(self.pipeline, checkout, [app], projects=discovery.projects).apps[0]

    def sync(
        self,
        name: str,
        *,
        prune: bool = False,
        dry_run: bool = False,
        sleep: Callable[[float], None] = lambda _: None,
    ) -> SyncResult:
        checkout = self.pipeline.sources.checkout(str(self.repo), "main")
        discovery = self.pipeline.discover(checkout)
        app = discovery.app(name)
        assert app is not None, f"no app {name}"
        return sync(
            self.pipeline,
            checkout,
            app,
            request=SyncRequest(prune=prune, dry_run=dry_run),
            projects=discovery.projects,
            sleep=sleep,
        )


QUIET_POLICY = """
    package main
    import rego.v1

    deny contains msg if {
        input.kind == "NoSuchKind"
        msg := "never"
    }
    """


def quiet_policies(tmp_path: Path) -> Config:
    """A config whose only policy never fires: these tests are about drift, sync and
    health, not the policy library."""
    write_tree(tmp_path / "policies", {"quiet.rego": QUIET_POLICY})
    return Config.model_validate(
        {"policy": {"builtin": False, "paths": [str(tmp_path / "policies")]}}
    )


@contextmanager
def one_cluster(
    tmp_path: Path,
    files: Mapping[str, str],
    *,
    config: Config | None = None,
    controllers: bool = True,
) -> Iterator[World]:
    """`files` (path -> text) as a git repository and one running kubesim (with
    `quiet_policies` unless a config is given; without `controllers`, workload status
    changes only when a test writes it)."""
    tree = tmp_path / "tree"
    write_tree(tree, files)
    repo = tmp_path / "repo"
    init_repo(tree, repo)
    with running_fleet(
        tmp_path / "clusters", clusters=("in-cluster",), controllers=controllers
    ) as fleet:
        kubectl = Kubectl(kubeconfig=fleet.kubeconfig, home=tmp_path)
        pipeline = Pipeline.from_config(
            config or quiet_policies(tmp_path),
            cache_dir=tmp_path / "cache",
            kubeconfig=str(fleet.kubeconfig),
        )
        try:
            yield World(repo=repo, fleet=fleet, kubectl=kubectl, pipeline=pipeline)
        finally:
            pipeline.close()
