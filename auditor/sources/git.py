"""Git sources through GitPython: a bare mirror per remote in a cache directory, revisions
resolved to SHAs, and one read-only export of the tree per SHA.

Exports are immutable once made, so any number of readers (CLI runs, workers) can share
them; a file lock serializes fetches and the creation of an export. Git errors become
`RemoteUnreachable`, `AuthenticationFailed` or `UnknownRevision` with one clear message.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import io
import logging
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import git

from auditor.errors import AuthenticationFailed, RemoteUnreachable, SourceError, UnknownRevision
from auditor.process import die_with_parent
from auditor.secretenv import read_secret

log = logging.getLogger(__name__)

SHA_RE = re.compile(r"^[0-9a-f]{7,40}$")
_AUTH_HINTS = (
    "authentication failed",
    "could not read username",
    "could not read password",
    "permission denied (publickey",
    "http basic: access denied",
    "invalid username or password",
    "error: 401",
    "error: 403",
)
_UNREACHABLE_HINTS = (
    "could not resolve host",
    "connection refused",
    "does not appear to be a git repository",
    "repository not found",
    "not found",
    "no such file or directory",
    "could not read from remote repository",
    "failed to connect",
    "connection timed out",
    "unable to access",
)


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to remotes: an HTTPS token and/or an SSH private key path."""

    token: str = ""
    username: str = "x-access-token"
    ssh_key: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if env is None else env
        return cls(
            token=read_secret("GITOPS_AUDITOR_GIT_TOKEN", env=env),
            username=env.get("GITOPS_AUDITOR_GIT_USERNAME", "x-access-token"),
            ssh_key=env.get("GITOPS_AUDITOR_GIT_SSH_KEY", ""),
        )

    def git_env(self) -> dict[str, str]:
        """Environment for git: no prompts, the SSH key, and the token as an HTTP header
        set through GIT_CONFIG_* (never on the command line, where other users could see
        it, nor in a URL)."""
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": ""}
        if self.ssh_key:
            env["GIT_SSH_COMMAND"] = (
                f"ssh -i {self.ssh_key} -o IdentitiesOnly=yes -o BatchMode=yes "
                "-o StrictHostKeyChecking=accept-new"
            )
        if self.token:
            basic = base64.b64encode(f"{self.username}:{self.token}".encode()).decode()
            env.update(
                {
                    "GIT_CONFIG_COUNT": "1",
                    "GIT_CONFIG_KEY_0": "http.extraHeader",
                    "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
                }
            )
        return env


def split_userinfo(url: str) -> tuple[str, Credentials | None]:
    """A URL without `user:password@`, and those credentials (so they reach git as a
    header and never appear in messages, logs or the mirror's config)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit(parts._replace(netloc=host))
    if not password:
        return clean, None
    return clean, Credentials(token=unquote(password), username=unquote(user) or "x-access-token")


def is_local(url: str) -> bool:
    return "://" not in url and not re.match(r"^[\w.-]+@[\w.-]+:", url)


def classify(exc: git.GitCommandError, *, url: str, revision: str | None = None) -> SourceError:
    """Map a git failure onto one typed error with a readable message."""
    stderr = str(exc.stderr or "").strip()
    low = stderr.lower()
    detail = _last_line(stderr)
    if revision is not None and (
        "couldn't find remote ref" in low
        or "unknown revision" in low
        or "not a valid object name" in low
        or "bad revision" in low
        or "invalid reference" in low
    ):
        return UnknownRevision(f"revision {revision!r} not found in {url}")
    timed_out = re.search(r"timeout: the command .* did not complete in ([\d.]+) secs", low)
    if timed_out:
        return RemoteUnreachable(f"repository {url} did not answer within {timed_out[1]}s")
    if any(h in low for h in _AUTH_HINTS):
        return AuthenticationFailed(
            f"authentication failed for {url}: {detail} "
            "(set GITOPS_AUDITOR_GIT_TOKEN for HTTPS or GITOPS_AUDITOR_GIT_SSH_KEY for SSH)"
        )
    if any(h in low for h in _UNREACHABLE_HINTS):
        return RemoteUnreachable(f"cannot reach repository {url}: {detail}")
    return SourceError(f"git failed for {url}: {detail or exc}")


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.lower().startswith(("fatal:", "error:"))]
    return (fatal or lines or [""])[-1]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass(frozen=True)
class TreeShape:
    """What a commit's tree holds: symbolic links; only regular files and no
    `.gitattributes` (`plain`: its export is the same whichever way it is written)."""

    links: bool
    plain: bool


class GitMirror:
    """A bare mirror of one remote in the cache, fetched on demand."""

    def __init__(
        self, *, url: str, cache_dir: Path, credentials: Credentials, timeout: float = 300.0
    ) -> None:
        self.url = url
        self.credentials = credentials
        self.timeout = timeout
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        slug = re.sub(r"[^A-Za-z0-9]+", "-", url.rstrip("/").rsplit("/", 1)[-1])[:40]
        self.dir = cache_dir / "repos" / f"{slug}-{digest}.git"
        self.exports = cache_dir / "trees" / f"{slug}-{digest}"
        self._lock = cache_dir / "locks" / f"{slug}-{digest}.lock"
        self._fetched = False
        self._shapes: dict[str, TreeShape] = {}  # by commit: what its tree holds

    def _git(self) -> git.Git:
        g = git.Git(str(self.dir))
        g.update_environment(**self.credentials.git_env())
        return g

    def _run(self, *args: str, revision: str | None = None) -> str:
        try:
            out: str = self._git().execute(
                ["git", *args], kill_after_timeout=self.timeout, preexec_fn=die_with_parent
            )
            return out
        except git.GitCommandError as exc:
            raise classify(exc, url=self.url, revision=revision) from exc

    def ensure(self, *, refresh: bool = True, depth: int | None = None) -> None:
        """Create the mirror if needed and fetch: always when `refresh` (branches move),
        else only if this process has not fetched it yet."""
        with _locked(self._lock):
            if not (self.dir / "HEAD").exists():
                self.dir.mkdir(parents=True, exist_ok=True)
                git.Repo.init(str(self.dir), bare=True)
                self._run("remote", "add", "origin", self.url)
            if self._fetched and not refresh:
                return
            args = ["fetch", "--prune", "--tags", "--force", "origin"]
            if depth:
                args += [f"--depth={depth}"]
            args += ["+refs/heads/*:refs/heads/*"]
            self._run(*args)
            self._follow_remote_head()
            self._fetched = True

    def _follow_remote_head(self) -> None:
        """Point the mirror's HEAD at the remote's default branch, as a clone would."""
        out = self._run("ls-remote", "--symref", "origin", "HEAD")
        for line in out.splitlines():
            if line.startswith("ref: ") and line.endswith("\tHEAD"):
                self._run("symbolic-ref", "HEAD", line[5:].split("\t", 1)[0])
                return
        log.debug("remote %s does not advertise a default branch", self.url)

    def resolve(self, revision: str, *, refresh: bool = True) -> str:
        """The full SHA of a branch, tag, `HEAD` or (abbreviated) SHA. A full SHA already
        in the mirror needs no fetch; a name is fetched again unless `refresh` is off."""
        if re.fullmatch(r"[0-9a-f]{40}", revision) and (self.dir / "HEAD").exists():
            try:
                return self._run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
            except SourceError:
                pass
        self.ensure(refresh=refresh)
        for candidate in _candidates(revision):
            try:
                return self._run("rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
            except SourceError:
                continue
        if SHA_RE.match(revision):  # a SHA that is not on any branch: fetch it directly
            try:
                self._run("fetch", "origin", revision, revision=revision)
                return self._run("rev-parse", "--verify", f"{revision}^{{commit}}")
            except SourceError:
                pass
        raise UnknownRevision(f"revision {revision!r} not found in {self.url}")

    def remote_sha(self, revision: str) -> str:
        """The SHA `revision` (a branch, tag or HEAD) has on the remote now, by one
        `ls-remote` (no fetch): the cheap poll. A full SHA is its own answer."""
        if SHA_RE.fullmatch(revision) and len(revision) == 40:
            return revision
        with _locked(self._lock):
            if not (self.dir / "HEAD").exists():
                self.dir.mkdir(parents=True, exist_ok=True)
                git.Repo.init(str(self.dir), bare=True)
                self._run("remote", "add", "origin", self.url)
        refs = ["HEAD"] if revision in ("", "HEAD") else _candidates(revision)[:2]
        out = self._run("ls-remote", "origin", *refs, revision=revision)
        found = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            found[ref] = sha
        for ref in refs:
            if ref in found:
                return found[ref]
        raise UnknownRevision(f"revision {revision!r} not found in {self.url}")

    def export(self, sha: str) -> Path:
        """A directory with the tree of `sha`; made once, then shared read-only."""
        target = self.exports / sha
        if target.is_dir():
            return target
        with _locked(self._lock):
            if target.is_dir():
                return target
            self.exports.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=self.exports))
            try:
                if not self._checkout_plain(sha, tmp):
                    buf = io.BytesIO()
                    git.Repo(str(self.dir)).archive(buf, treeish=sha, format="tar")
                    buf.seek(0)
                    with tarfile.open(fileobj=buf) as tar:
                        tar.extractall(tmp, filter=self._safe_member)
                tmp.rename(target)
            except git.GitCommandError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                raise classify(exc, url=self.url, revision=sha) from exc
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return target

    def _checkout_plain(self, sha: str, target: Path) -> bool:
        """Write the tree of `sha` into `target` with git's own checkout (several times
        faster than reading an archive in Python) when it holds only regular files and
        no `.gitattributes` (nothing for the archive's link guard or export attributes
        to change: both ways give the same files); False: use the archive."""
        if not self._shape(sha).plain:
            return False
        index = target.parent / f"{target.name}.index"
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            for args in (["read-tree", sha], [f"--work-tree={target}", "checkout-index", "-a"]):
                self._git().execute(
                    ["git", *args], env=env, kill_after_timeout=self.timeout,
                    preexec_fn=die_with_parent,
                )  # fmt: skip
        except git.GitCommandError as exc:
            raise classify(exc, url=self.url, revision=sha) from exc
        finally:
            index.unlink(missing_ok=True)
        return True

    def _safe_member(self, member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        """tarfile's `data` filter, except that a member it refuses (a symlink that is
        absolute or leaves the repository) is skipped, as the working tree's reader skips
        it, instead of failing the whole export."""
        try:
            return tarfile.data_filter(member, dest)
        except tarfile.FilterError as exc:
            log.warning("%s: skipped %s: %s", self.url, member.name, exc)
            return None

    def changed_paths(self, base: str, head: str) -> frozenset[str] | None:
        """Every path that differs between two commits (both sides of a rename), or None
        when either tree holds a symbolic link (what a link reads changes under another
        path) or a commit is not here."""
        out = self._diff("--name-only", base, head)
        return None if out is None else frozenset(p for p in out.split("\0") if p)

    def _diff(self, form: str, base: str, head: str) -> str | None:
        """`git diff <form> --no-renames -z` of two commits, or None when either tree
        holds a symbolic link or a commit is not here."""
        try:
            out = self._run("diff", form, "--no-renames", "-z", base, head)
            if self._shape(base).links or self._shape(head).links:
                return None
        except SourceError:
            return None
        return out

    def edits_only(self, base: str, head: str, *, without: str) -> bool:
        """Whether every path that differs between two commits is a regular file in
        both (nothing added, removed or retyped, so no directory either) whose content
        holds `without` in neither commit. False when git cannot say."""
        raw = self._diff("--raw", base, head)
        if raw is None:
            return False
        fields = raw.split("\0")
        paths = []
        for meta, path in zip(fields[0::2], fields[1::2], strict=False):
            modes = meta.lstrip(":").split()
            if len(modes) != 5 or modes[4] != "M" or not {modes[0], modes[1]} <= _REGULAR:
                return False
            paths.append(path)
        if len(paths) > _EDITS_CHECKED:
            return False
        if not paths:
            return True
        command = ["git", "--literal-pathspecs", "grep", "-l", "-F", "-e", without, base, head]
        try:
            self._git().execute(
                [*command, "--", *paths],
                kill_after_timeout=self.timeout,
                preexec_fn=die_with_parent,
            )
        except git.GitCommandError as exc:
            return exc.status == 1  # git grep: nothing matched
        return False  # some file holds it

    def _shape(self, sha: str) -> TreeShape:
        """What the tree of `sha` holds, listed once per commit; when git cannot list it
        (an older git without `ls-tree --format`), the answer that assumes the worst."""
        shape = self._shapes.get(sha)
        if shape is None:
            try:
                listing = self._run("ls-tree", "-r", "-z", "--format=%(objectmode) %(path)", sha)
            except SourceError:
                return TreeShape(links=True, plain=False)
            modes, attributes = set(), False
            for entry in listing.split("\0"):
                mode, _, path = entry.partition(" ")
                if entry:
                    modes.add(mode)
                    attributes = attributes or path.endswith(".gitattributes")
            plain = not attributes and modes <= {"100644", "100755"}
            shape = self._shapes[sha] = TreeShape(links="120000" in modes, plain=plain)
        return shape

    def changed_files(self, base: str, head: str) -> list[str]:
        out = self._run("diff", "--name-only", f"{base}..{head}")
        return [line for line in out.splitlines() if line]


_REGULAR = {"100644", "100755"}
_EDITS_CHECKED = 500  # more changed paths than this: not worth checking one by one


def _candidates(revision: str) -> list[str]:
    if revision in ("", "HEAD"):
        return ["HEAD"]
    return [
        f"refs/heads/{revision}",
        f"refs/tags/{revision}",
        revision,
    ]
