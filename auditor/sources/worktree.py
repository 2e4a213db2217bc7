"""How a working tree differs from its HEAD commit, as paths: what lets the renderer key
the apps a local edit does not touch from HEAD's index (`render/commits.py`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import git

_LINK_OR_SUBMODULE = ("120000 ", "160000 ")


def changes_from_head(root: Path) -> frozenset[str] | None:
    """The paths where the working tree at `root` may differ from the export of its
    HEAD commit: modified, added, deleted, untracked and ignored ones (a directory
    whole ends with "/"). None when paths cannot tell: `root` not the top of a git
    repository or no commit yet; symbolic links or submodules in the index; files git
    is told not to look at (skip-worktree, assume-unchanged: sparse checkouts); export
    attributes (`export-ignore`, `export-subst`) that make an export differ from the
    tree."""
    try:
        repo = git.Repo(str(root))
        top = repo.working_tree_dir
        if top is None or Path(top).resolve() != root.resolve():
            return None
        repo.head.commit  # noqa: B018 - raises ValueError without a commit
        run = repo.git
        staged = [e for e in run.ls_files("-s", "-z").split("\0") if e]
        if any(e.startswith(_LINK_OR_SUBMODULE) for e in staged):
            return None
        tags = [e for e in run.ls_files("-v", "-z").split("\0") if e]
        if any(e[0] == "S" or e[0].islower() for e in tags):
            return None
        for entry in staged:
            path = entry.partition("\t")[2]
            if path.rpartition("/")[2] == ".gitattributes":
                text = (root / path).read_text(encoding="utf-8", errors="replace")
                if "export-" in text:
                    return None
        status = run.status(
            "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--no-renames"
        )
    except (git.GitError, ValueError, OSError):
        return None
    return frozenset(entry[3:] for entry in status.split("\0") if len(entry) > 3)


def content_of_changes(root: Path, changed: frozenset[str], *, limit: int = 5000) -> str | None:
    """A digest of what the working tree at `root` holds at the `changed` paths (see
    `changes_from_head`): with its HEAD commit, it names the tree's whole content. None
    when it cannot (a symbolic link among them, more than `limit` files, a read error)."""
    digest = hashlib.blake2b(digest_size=16)
    files = 0
    for rel in sorted(changed):
        path = root / rel.rstrip("/")
        entries = sorted(path.rglob("*")) if rel.endswith("/") and path.is_dir() else [path]
        for entry in entries:
            files += 1
            if files > limit or entry.is_symlink():
                return None
            if entry.is_dir():
                continue
            try:
                body = entry.read_bytes() if entry.exists() else None
            except OSError:
                return None
            name = entry.relative_to(root).as_posix().encode()
            digest.update(name + b"\0")
            digest.update(b"-" if body is None else hashlib.sha256(body).digest())
    return digest.hexdigest()
