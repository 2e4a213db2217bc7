"""`Sources`: the facade over git mirrors that the pipeline uses.

A local path without a revision is read as it is on disk (the working tree, uncommitted
edits included: what a user running `gitops-auditor apps --repo .` expects); anything
else is fetched into the cache and exported at a resolved SHA. `at` reads another
revision of the same repo (an app whose targetRevision is another branch, tag or SHA).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import git

from auditor.errors import RemoteUnreachable
from auditor.sources.git import Credentials, GitMirror, is_local, split_userinfo
from auditor.sources.worktree import changes_from_head

log = logging.getLogger(__name__)

WORKTREE = "worktree"


@dataclass(frozen=True)
class Checkout:
    """A readable tree of a repo: `root` holds the files, `revision` is a SHA or `worktree`.

    `urls` are the URLs the repo is known by (a remote's URL, a local clone's remotes);
    `branch` is the branch a working tree has checked out; `pinned` says the revision was
    asked for (`--revision`): every app is read at it, whatever its targetRevision."""

    repo_url: str
    root: Path
    revision: str
    head: str = ""
    urls: tuple[str, ...] = ()
    branch: str = ""
    pinned: bool = False

    @property
    def cacheable(self) -> bool:
        return self.revision != WORKTREE

    def stands_for(self, target: str) -> bool:
        """Whether this tree is what `target` (an app's targetRevision) names without
        asking git: HEAD, or the branch the working tree has checked out."""
        name = target.strip().removeprefix("refs/heads/")
        if name in ("", "HEAD"):
            return True
        return not self.cacheable and bool(self.branch) and name == self.branch


class Sources:
    """Opens repos by URL or path; one mirror per remote, shared for the process."""

    def __init__(
        self, *, cache_dir: Path, credentials: Credentials | None = None, timeout: float = 300.0
    ) -> None:
        self.cache_dir = cache_dir
        self.credentials = credentials or Credentials.from_env()
        self.timeout = timeout  # of each git command (fetch, ls-remote)
        self._mirrors: dict[str, GitMirror] = {}

    def mirror(self, url: str) -> GitMirror:
        key, embedded = (str(Path(url).resolve()), None) if is_local(url) else split_userinfo(url)
        if key not in self._mirrors:
            self._mirrors[key] = GitMirror(
                url=key,
                cache_dir=self.cache_dir,
                credentials=embedded or self.credentials,
                timeout=self.timeout,
            )
        return self._mirrors[key]

    def access(self, url: str) -> tuple[str, dict[str, str]]:
        """How git reaches `url` outside the mirrors (the adopt clone and push): the URL
        without credentials and the environment carrying them (the mirrors' own path:
        `GITOPS_AUDITOR_GIT_*`, or the URL's userinfo, sent as a header)."""
        if is_local(url):
            return url, Credentials().git_env()
        clean, embedded = split_userinfo(url)
        return clean, (embedded or self.credentials).git_env()

    def checkout(self, url: str, revision: str | None = None, *, refresh: bool = True) -> Checkout:
        """The tree of `url` at `revision` (a local path with no revision: the working tree).
        Branch names are fetched again unless `refresh` is off (within one audit round,
        repos named by several apps are fetched once). A revision asked for pins the
        checkout: every app of it is read there."""
        if is_local(url) and revision is None:
            return self._worktree(Path(url))
        mirror = self.mirror(url)
        sha = mirror.resolve(revision or "HEAD", refresh=refresh)
        urls = _remotes(Path(url)) if is_local(url) else (mirror.url,)
        return Checkout(
            repo_url=mirror.url,
            root=mirror.export(sha),
            revision=sha,
            head=sha,
            urls=urls,
            pinned=revision is not None,
        )

    def at(self, checkout: Checkout, revision: str) -> Checkout:
        """The same repo as `checkout` at another `revision` (fetched once per process)."""
        other = self.checkout(checkout.repo_url, revision, refresh=False)
        return Checkout(
            repo_url=checkout.repo_url,
            root=other.root,
            revision=other.revision,
            head=other.head,
            urls=checkout.urls,
        )

    def remote_head(self, url: str, revision: str | None = None) -> str:
        """What `revision` of `url` points at now, asked of the remote without fetching."""
        return self.mirror(url).remote_sha(revision or "HEAD")

    @staticmethod
    def worktree_changes(checkout: Checkout) -> frozenset[str] | None:
        """How a working tree differs from its HEAD (see `worktree.changes_from_head`)."""
        if checkout.cacheable or not checkout.head:
            return None
        return changes_from_head(checkout.root)

    def edits_only(self, url: str, *, base: str, head: str, without: str) -> bool:
        """Whether two commits of `url` differ only by edits of files holding `without`
        in neither (see `GitMirror.edits_only`)."""
        return self.mirror(url).edits_only(base, head, without=without)

    def changed_paths(self, url: str, *, base: str, head: str) -> frozenset[str] | None:
        """What differs between two commits of `url` (see `GitMirror.changed_paths`)."""
        return self.mirror(url).changed_paths(base, head)

    def changed_files(self, url: str, *, base: str, head: str) -> list[str]:
        mirror = self.mirror(url)
        return mirror.changed_files(mirror.resolve(base), mirror.resolve(head))

    @staticmethod
    def _worktree(path: Path) -> Checkout:
        if not path.is_dir():
            raise RemoteUnreachable(f"repository path {path} does not exist")
        head = branch = ""
        try:
            repo = git.Repo(str(path), search_parent_directories=True)
            head = repo.head.commit.hexsha
            branch = "" if repo.head.is_detached else repo.active_branch.name
        except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
            log.debug("%s is not a git repository; reading it as plain files", path)
        return Checkout(
            repo_url=str(path.resolve()),
            root=path.resolve(),
            revision=WORKTREE,
            head=head,
            urls=_remotes(path),
            branch=branch,
        )


def _remotes(path: Path) -> tuple[str, ...]:
    """The fetch URLs of a local clone's remotes (none for a plain directory)."""
    try:
        repo = git.Repo(str(path), search_parent_directories=True)
        # Credentials in a remote's URL never leave this function.
        return tuple(split_userinfo(url)[0] for remote in repo.remotes for url in remote.urls)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, ValueError):
        return ()
