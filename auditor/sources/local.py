"""Turning a directory of manifests into a real git repository (for `demo` and tests)."""

from __future__ import annotations

import shutil
from pathlib import Path

import git

AUTHOR = git.Actor("gitops-auditor demo", "demo@gitops-auditor.invalid")


def init_repo(source: Path, target: Path, *, message: str = "Initial import") -> str:
    """Copy `source` to `target`, make it a git repository on branch `main` with one
    commit, and return that commit's SHA."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    repo = git.Repo.init(str(target), initial_branch="main")
    repo.git.add(A=True)
    commit = repo.index.commit(message, author=AUTHOR, committer=AUTHOR)
    return commit.hexsha


def commit_all(repo_dir: Path, *, message: str) -> str:
    """Commit every change in `repo_dir` and return the new SHA."""
    repo = git.Repo(str(repo_dir))
    repo.git.add(A=True)
    return repo.index.commit(message, author=AUTHOR, committer=AUTHOR).hexsha
