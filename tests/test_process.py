"""What a killed run leaves behind: its child processes die with it, and its scratch
directories are removed by the next run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.config import Config
from auditor.pipeline import Pipeline
from auditor.process import STALE_SECONDS, clean_stale_scratch
from tests.helpers.service import wait_for

PARENT = """
import subprocess, sys
from auditor.process import die_with_parent
child = subprocess.Popen(["sleep", "300"], preexec_fn=die_with_parent)
print(child.pid, flush=True)
child.wait()
"""


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"  # ended, not yet reaped by init


def test_a_child_dies_when_the_run_that_started_it_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert not gone(child)
    parent.kill()
    parent.wait(timeout=10)
    wait_for(lambda: gone(child), timeout=10)


def make(base: Path, name: str, *, age: float) -> Path:
    path = base / name
    path.mkdir()
    (path / "kustomization.yaml").write_text("resources: []\n")
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_stale_scratch_directories_of_ours_are_removed_and_nothing_else(tmp_path: Path) -> None:
    old = STALE_SECONDS + 60
    stale = [
        make(tmp_path, "gitops-auditor-kustomize-abc", age=old),
        make(tmp_path, "gitops-auditor-helm-def", age=old),
        make(tmp_path, "gitops-auditor-adopt-ghi", age=old),
    ]
    running = make(tmp_path, "gitops-auditor-kustomize-now", age=10)  # a live run's
    theirs = make(tmp_path, "other-tool-kustomize-abc", age=old)
    target = make(tmp_path, "precious", age=old)
    link = tmp_path / "gitops-auditor-helm-link"
    link.symlink_to(target)
    os.utime(link, (time.time() - old,) * 2, follow_symlinks=False)
    removed = clean_stale_scratch(directory=tmp_path)
    assert sorted(removed) == sorted(stale)
    assert not any(p.exists() for p in stale)
    assert running.is_dir() and theirs.is_dir() and link.is_symlink() and target.is_dir()
    assert (target / "kustomization.yaml").exists()


def test_a_new_pipeline_cleans_what_a_killed_run_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)  # read TMPDIR again
    left = make(tmp_path, "gitops-auditor-kustomize-killed", age=STALE_SECONDS + 60)
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    try:
        assert not left.exists()
    finally:
        pipeline.close()
