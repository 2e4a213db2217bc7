"""The Git work of a remediation PR (GitPython, allowed here as "the PR step"): clone the
base branch into a scratch directory, let the caller write files, commit them on the
adopt branch as `gitops-auditor`, and force-push it (a later audit with the same
fingerprint replaces the branch, never stacks commits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

import git

from auditor.errors import SourceError
from auditor.process import die_with_parent

AUTHOR = git.Actor("gitops-auditor", "gitops-auditor@users.noreply.localhost")


@contextmanager
def base_clone(
    remote: str,
    *,
    base_branch: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300.0,
) -> Iterator[Path]:
    """A fresh shallow clone of `base_branch`, removed afterwards. Credentials come in
    `env` (an HTTP header through GIT_CONFIG_*): never in argv, never in `.git/config`."""
    with TemporaryDirectory(prefix="gitops-auditor-adopt-") as tmp:
        target = Path(tmp) / "repo"
        command = ["git", "clone", "--depth=1", f"--branch={base_branch}", "--", remote]
        try:
            _git(Path(tmp), [*command, str(target)], env=env, timeout=timeout)
        except git.GitCommandError as exc:
            shown = redact(remote)
            raise SourceError(f"cannot clone {shown} ({base_branch}): {_last(exc)}") from exc
        yield target


def commit_and_push(
    root: Path,
    *,
    branch: str,
    files: Mapping[str, str],
    message: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300.0,
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
        push = ["git", "push", "--force", "origin", f"{branch}:refs/heads/{branch}"]
        _git(root, push, env=env, timeout=timeout)
    except git.GitCommandError as exc:
        raise SourceError(f"cannot push {branch}: {_last(exc)}") from exc
    return str(commit.hexsha)


def _git(cwd: Path, command: list[str], *, env: Mapping[str, str] | None, timeout: float) -> None:
    runner = git.Git(str(cwd))
    runner.update_environment(**{"GIT_TERMINAL_PROMPT": "0", **dict(env or {})})
    runner.execute(command, kill_after_timeout=timeout, preexec_fn=die_with_parent)


_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def redact(text: str) -> str:
    """`text` with the `user:password@` of every URL in it removed."""
    return _USERINFO.sub("", text)


def _last(exc: git.GitCommandError) -> str:
    text = redact(str(exc.stderr or exc)).strip()
    return text.splitlines()[-1].strip()[:300] if text else "git failed"
