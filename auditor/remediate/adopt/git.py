"""The Git work of a remediation PR (GitPython, allowed here as "the PR step"): clone the
base branch into a scratch directory, let the caller write files, commit them on the
adopt branch as `gitops-auditor`, and force-push it (a later audit with the same
fingerprint replaces the branch, never stacks commits).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import git

from auditor.errors import SourceError

AUTHOR = git.Actor("gitops-auditor", "gitops-auditor@users.noreply.localhost")


@contextmanager
def base_clone(
    remote: str, *, base_branch: str, env: Mapping[str, str] | None = None
) -> Iterator[Path]:
    """A fresh shallow clone of `base_branch`, removed afterwards."""
    with TemporaryDirectory(prefix="gitops-auditor-adopt-") as tmp:
        target = Path(tmp) / "repo"
        try:
            git.Repo.clone_from(
                remote, target, branch=base_branch, depth=1, env=dict(env or {}) or None
            )
        except git.GitCommandError as exc:
            raise SourceError(f"cannot clone {remote} ({base_branch}): {_last(exc)}") from exc
        yield target


def commit_and_push(
    root: Path,
    *,
    branch: str,
    files: Mapping[str, str],
    message: str,
    env: Mapping[str, str] | None = None,
) -> str:
    """Write `files`, commit them on a new `branch` and force-push it; the commit's SHA."""
    repo = git.Repo(root)
    try:
        repo.git.checkout("-B", branch)
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            repo.index.add([rel])
        commit = repo.index.commit(message, author=AUTHOR, committer=AUTHOR)
        with repo.git.custom_environment(**dict(env or {})):
            repo.git.push("--force", "origin", f"{branch}:refs/heads/{branch}")
    except git.GitCommandError as exc:
        raise SourceError(f"cannot push {branch}: {_last(exc)}") from exc
    return str(commit.hexsha)


def _last(exc: git.GitCommandError) -> str:
    text = str(exc.stderr or exc).strip()
    return text.splitlines()[-1].strip()[:300] if text else "git failed"
