"""The pre-commit hook (.pre-commit-hooks.yaml): its entry, run as pre-commit runs it (in
the repository, without file names, on the tree as staged), passes a clean repository and
fails one whose staged manifests break a policy."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from auditor.sources.local import init_repo
from tests.helpers import ROOT
from tests.helpers.deploy import DEPLOY


def hook() -> dict[str, Any]:
    [entry] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return entry  # type: ignore[no-any-return]


def run_hook(repo: Path) -> subprocess.CompletedProcess[str]:
    """The entry with the hook's args, in the repo, as pre-commit's python hooks run it:
    the entry point of the installed package, found on PATH."""
    spec = hook()
    argv = [*shlex.split(spec["entry"]), *spec.get("args", [])]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        argv, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def test_hook_definition() -> None:
    spec = hook()
    assert spec["id"] == "gitops-auditor-check" and spec["language"] == "python"
    assert spec["pass_filenames"] is False
    assert shlex.split(spec["entry"])[:2] == ["gitops-auditor", "check"]
    assert spec["files"] == r"\.(ya?ml|json)$"


def test_hook_passes_a_clean_repo_and_fails_a_staged_violation(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    init_repo(DEPLOY, repo)  # deploy/ with its gitops-auditor.yaml at the top
    ok = run_hook(repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 deny" in ok.stdout
    web = repo / "base" / "web.yaml"
    docs = list(yaml.safe_load_all(web.read_text()))
    del docs[0]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]
    web.write_text(yaml.safe_dump_all(docs))
    subprocess.run(["git", "add", "base/web.yaml"], cwd=repo, check=True)
    failed = run_hook(repo)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "probes/liveness" in failed.stdout
