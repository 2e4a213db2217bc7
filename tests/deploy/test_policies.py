"""The project's own built-in policies pass on deploy/: `gitops-auditor check` sees both
overlays as apps (deploy/gitops-auditor.yaml) and exits 0, and it does look at them (a
latest tag or a writable root filesystem in the shared pod defaults is caught)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.deploy import DEPLOY

GITOPS_AUDITOR = str(Path(sys.executable).parent / "gitops-auditor")


def check(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GITOPS_AUDITOR, "check", "--repo", str(tree), "--config",
         str(tree / "gitops-auditor.yaml"), *args],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def test_check_passes_on_deploy_with_no_finding() -> None:
    result = check(DEPLOY, "-o", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert sorted(a["name"] for a in report["apps"]) == [
        "gitops-auditor-multi-cluster",
        "gitops-auditor-single-cluster",
    ]
    assert all(not a["violations"] and not a.get("error") for a in report["apps"]), report


def test_check_sees_the_overlays_it_passes(tmp_path: Path) -> None:
    tree = tmp_path / "deploy"
    shutil.copytree(DEPLOY, tree)
    defaults = tree / "base" / "pod-defaults.yaml"
    defaults.write_text(defaults.read_text().replace("readOnlyRootFilesystem: true", ""))
    warned = check(tree, "-o", "json")
    assert warned.returncode == 0, warned.stderr  # a warning passes ...
    found = {
        (a["name"], v["policy"]) for a in json.loads(warned.stdout)["apps"] for v in a["violations"]
    }
    assert ("gitops-auditor-multi-cluster", "security/read-only-root-filesystem") in found
    assert check(tree, "--fail-on-warn").returncode == 1  # ... unless warnings fail
    base = tree / "base" / "kustomization.yaml"
    base.write_text(base.read_text().replace('newTag: "0.1.0"', "newTag: latest"))
    overlays = tree / "overlays"
    for kustomization in overlays.glob("*/kustomization.yaml"):
        text = kustomization.read_text().replace('    newTag: "0.1.0"\n', "")
        kustomization.write_text(text)
    denied = check(tree)
    assert denied.returncode == 1, denied.stdout
    assert "images/no-latest" in denied.stdout
