"""Git sources against real repositories: local paths, file URLs, bare remotes, and a
local HTTP server for the authentication contract."""

from __future__ import annotations

import base64
import http.server
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import git
import pytest

from auditor.errors import AuthenticationFailed, RemoteUnreachable, UnknownRevision
from auditor.sources import Credentials, Sources
from auditor.sources.git import GitMirror
from auditor.sources.local import commit_all
from tests.helpers.http import serving


@pytest.fixture
def sources(tmp_path: Path) -> Sources:
    return Sources(cache_dir=tmp_path / "cache", credentials=Credentials())


def test_checkout_resolves_branch_tag_and_sha(example_repo: Path, sources: Sources) -> None:
    repo = git.Repo(str(example_repo))
    first = repo.head.commit.hexsha
    repo.create_tag("v1")
    (example_repo / "apps/billing/extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    second = commit_all(example_repo, message="add extra")

    assert sources.checkout(str(example_repo), "main").revision == second
    assert sources.checkout(str(example_repo), "v1").revision == first
    assert sources.checkout(str(example_repo), first[:10]).revision == first
    assert sources.checkout(str(example_repo), "HEAD").revision == second


def test_each_sha_gets_its_own_immutable_tree(example_repo: Path, sources: Sources) -> None:
    first = sources.checkout(str(example_repo), "main")
    (example_repo / "apps/billing/deployment.yaml").write_text("changed: true\n")
    commit_all(example_repo, message="change billing")
    # A new Sources (a new process) fetches again and sees the new commit.
    later = Sources(cache_dir=sources.cache_dir, credentials=Credentials())
    second = later.checkout(str(example_repo), "main")
    assert first.root != second.root
    assert "kind: Deployment" in (first.root / "apps/billing/deployment.yaml").read_text()
    assert (second.root / "apps/billing/deployment.yaml").read_text() == "changed: true\n"


def test_concurrent_readers_share_one_export(example_repo: Path, sources: Sources) -> None:
    sha = sources.checkout(str(example_repo), "main").revision
    mirror = sources.mirror(str(example_repo))
    with ThreadPoolExecutor(max_workers=4) as pool:
        roots = list(pool.map(lambda _: mirror.export(sha), range(8)))
    assert len(set(roots)) == 1
    assert (roots[0] / "argocd/root.yaml").is_file()
    assert not [p for p in roots[0].parent.iterdir() if p.name.startswith(".")]


def test_local_path_without_revision_reads_the_working_tree(
    example_repo: Path, sources: Sources
) -> None:
    (example_repo / "uncommitted.yaml").write_text("a: 1\n")
    checkout = sources.checkout(str(example_repo))
    assert checkout.revision == "worktree"
    assert not checkout.cacheable
    assert checkout.head == git.Repo(str(example_repo)).head.commit.hexsha
    assert (checkout.root / "uncommitted.yaml").is_file()


def test_bare_remote_over_file_url(example_repo: Path, tmp_path: Path, sources: Sources) -> None:
    bare = tmp_path / "remote.git"
    git.Repo(str(example_repo)).clone(str(bare), bare=True)
    checkout = sources.checkout(f"file://{bare}", None)
    assert checkout.revision == git.Repo(str(example_repo)).head.commit.hexsha
    assert (checkout.root / "apps/my-api/base/deployment.yaml").is_file()


def test_unknown_revision_is_one_clear_error(example_repo: Path, sources: Sources) -> None:
    with pytest.raises(UnknownRevision, match="revision 'no-such-branch' not found"):
        sources.checkout(str(example_repo), "no-such-branch")
    with pytest.raises(UnknownRevision):
        sources.checkout(str(example_repo), "0123456789abcdef0123456789abcdef01234567")


def test_missing_remote_is_unreachable(tmp_path: Path, sources: Sources) -> None:
    with pytest.raises(RemoteUnreachable, match="cannot reach repository"):
        sources.checkout(f"file://{tmp_path}/nope.git", None)
    with pytest.raises(RemoteUnreachable, match="does not exist"):
        sources.checkout(str(tmp_path / "nope"))


def test_closed_port_is_unreachable(sources: Sources) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RemoteUnreachable):
        sources.checkout(f"http://127.0.0.1:{port}/repo.git", None)


class _AuthRequired(http.server.BaseHTTPRequestHandler):
    """Stands in for a Git host that requires credentials: records what it was sent."""

    seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def auth_server() -> Iterator[str]:
    _AuthRequired.seen = []
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AuthRequired)) as url:
        yield f"{url}/team/deployments.git"


def test_auth_failure_without_credentials(auth_server: str, sources: Sources) -> None:
    with pytest.raises(AuthenticationFailed, match="GITOPS_AUDITOR_GIT_TOKEN"):
        sources.checkout(auth_server, None)


def test_token_is_sent_as_basic_auth_header(auth_server: str, tmp_path: Path) -> None:
    creds = Credentials(token="s3cret-token")
    sources = Sources(cache_dir=tmp_path / "cache", credentials=creds)
    with pytest.raises(AuthenticationFailed) as info:
        sources.checkout(auth_server, None)
    expected = "Basic " + base64.b64encode(b"x-access-token:s3cret-token").decode()
    assert expected in _AuthRequired.seen
    assert "s3cret-token" not in str(info.value)


def test_credentials_from_env() -> None:
    creds = Credentials.from_env(
        {"GITOPS_AUDITOR_GIT_TOKEN": "t", "GITOPS_AUDITOR_GIT_SSH_KEY": "/keys/id"}
    )
    assert creds.token == "t"
    env = creds.git_env()
    assert "-i /keys/id" in env["GIT_SSH_COMMAND"]
    # The token reaches git through the environment, never on its command line.
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")


def test_changed_files_between_revisions(example_repo: Path, sources: Sources) -> None:
    base = git.Repo(str(example_repo)).head.commit.hexsha
    (example_repo / "apps/my-api/base/service.yaml").write_text("x: 1\n")
    head = commit_all(example_repo, message="edit service")
    assert sources.changed_files(str(example_repo), base=base, head=head) == [
        "apps/my-api/base/service.yaml"
    ]


def test_a_branch_is_fetched_again_and_a_known_sha_is_not(
    example_repo: Path, sources: Sources
) -> None:
    first = sources.checkout(str(example_repo), "main")
    (example_repo / "apps/billing/extra.yaml").write_text("a: 1\n")
    second_sha = commit_all(example_repo, message="later")
    assert sources.checkout(str(example_repo), "main").revision == second_sha
    # Within a round, lookups may skip the fetch; a full SHA in the mirror never needs one.
    (example_repo / "apps/billing/extra.yaml").write_text("a: 2\n")
    commit_all(example_repo, message="even later")
    assert sources.checkout(str(example_repo), "main", refresh=False).revision == second_sha
    assert sources.checkout(str(example_repo), first.revision).revision == first.revision


def test_credentials_in_a_url_never_show_and_are_sent_as_a_header(
    auth_server: str, tmp_path: Path
) -> None:
    url = auth_server.replace("http://", "http://alice:pa%24%24word@")
    sources = Sources(cache_dir=tmp_path / "cache", credentials=Credentials())
    with pytest.raises(AuthenticationFailed) as info:
        sources.checkout(url, None)
    assert "pa$$word" not in str(info.value) and "pa%24%24word" not in str(info.value)
    assert auth_server in str(info.value)
    expected = "Basic " + base64.b64encode(b"alice:pa$$word").decode()
    assert expected in _AuthRequired.seen
    config = "".join(p.read_text() for p in (tmp_path / "cache").rglob("config"))
    assert "word" not in config and auth_server in config


def test_a_committed_symlink_out_of_the_repo_is_skipped_not_fatal(
    tmp_path: Path, sources: Sources
) -> None:
    repo = tmp_path / "repo"
    (repo / "apps").mkdir(parents=True)
    (repo / "apps" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    (repo / "apps" / "passwd.yaml").symlink_to("/etc/passwd")
    (repo / "apps" / "up.yaml").symlink_to("../../outside.yaml")
    (repo / "apps" / "same.yaml").symlink_to("cm.yaml")
    git.Repo.init(str(repo), initial_branch="main")
    sha = commit_all(repo, message="links")
    tree = sources.checkout(str(repo), sha).root
    assert sorted(p.name for p in (tree / "apps").iterdir()) == ["cm.yaml", "same.yaml"]
    assert (tree / "apps" / "same.yaml").read_text().startswith("apiVersion")


def files_of(root: Path) -> dict[str, tuple[bytes, bool]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), os.access(p, os.X_OK))
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_tree_exports_the_same_files_whichever_way_it_is_written(
    tmp_path: Path, sources: Sources, monkeypatch: pytest.MonkeyPatch
) -> None:
    ways: list[bool] = []
    plain_checkout = GitMirror._checkout_plain
    monkeypatch.setattr(
        GitMirror, "_checkout_plain", lambda *a: ways.append(plain_checkout(*a)) or ways[-1]
    )
    repo = tmp_path / "repo"
    (repo / "apps" / "deep" / "er").mkdir(parents=True)
    (repo / "apps" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n")
    (repo / "apps" / "deep" / "er" / "odd name.yaml").write_text("a: 1\n")
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    git.Repo.init(str(repo), initial_branch="main")
    plain = commit_all(repo, message="regular files only: git's checkout writes them")
    (repo / ".gitattributes").write_text("apps/deep export-ignore\n")
    ignoring = commit_all(repo, message="export attributes: the archive writes them")
    written = files_of(sources.checkout(str(repo), plain).root)
    assert written == {
        k: v for k, v in files_of(repo).items() if not k.startswith((".git/", ".gitattributes"))
    }
    assert written["run.sh"][1] and not written["apps/cm.yaml"][1]
    archived = files_of(sources.checkout(str(repo), ignoring).root)
    assert "apps/deep/er/odd name.yaml" not in archived  # export-ignore, as git archive does
    assert archived["apps/cm.yaml"] == written["apps/cm.yaml"]
    assert ways == [True, False]  # git's checkout, then the archive


def test_a_remote_that_accepts_and_never_answers_fails_within_the_deadline(
    tmp_path: Path,
) -> None:
    import socket
    import time

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # accepts (the kernel does), never answers
        port = server.getsockname()[1]
        sources = Sources(cache_dir=tmp_path / "cache", credentials=Credentials(), timeout=2)
        started = time.monotonic()
        with pytest.raises(RemoteUnreachable, match="did not answer within 2s"):
            sources.checkout(f"http://127.0.0.1:{port}/team/deployments.git", None)
        assert time.monotonic() - started < 30


def test_the_adopt_clone_sends_the_token_as_a_header_and_never_shows_it(
    auth_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.errors import SourceError
    from auditor.remediate.adopt.git import base_clone

    monkeypatch.setenv("GITOPS_AUDITOR_GIT_TOKEN", "env-token")
    sources = Sources(cache_dir=tmp_path / "cache")
    for remote, sent in [
        (auth_server, b"x-access-token:env-token"),
        (auth_server.replace("http://", "http://bot:url-t%40ken@"), b"bot:url-t@ken"),
    ]:
        url, env = sources.access(remote)
        assert "t%40ken" not in url and "t@ken" not in url
        with pytest.raises(SourceError) as info, base_clone(url, base_branch="main", env=env):
            pass
        assert "ken" not in str(info.value) and auth_server in str(info.value)
        assert "Basic " + base64.b64encode(sent).decode() in _AuthRequired.seen
