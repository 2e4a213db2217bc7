"""Each Application's targetRevision, read from a local clone: the working tree (edits
included) stands for the branch checked out; other branches, tags and SHAs are read at
that revision in the same clone; `--revision` pins every app when it is given."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from auditor.config import Config
from auditor.pipeline import Pipeline
from auditor.sources.local import commit_all, init_repo
from tests.helpers.cluster import application, write_tree

URL = "https://git.example.com/platform/deploy.git"


def web(name: str, revision: str) -> str:
    return application(name, path="web", repo=URL, revision=revision, namespace="web")


def settings(value: str) -> str:
    return f"""
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: settings}}
        data: {{version: "{value}"}}
        """


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, str]:
    """main: v1 (tagged v1), then v2 on branch release, then v3 on main; the working
    tree edits main to 'edited' without committing. Returns the clone and v1's SHA."""
    tree = tmp_path / "tree"
    write_tree(tree, {"web/settings.yaml": settings("v1")})
    repo_dir = tmp_path / "repo"
    first = init_repo(tree, repo_dir)
    repo = git.Repo(str(repo_dir))
    repo.create_tag("v1")
    repo.git.checkout("-b", "release")
    write_tree(repo_dir, {"web/settings.yaml": settings("v2")})
    commit_all(repo_dir, message="v2")
    repo.git.checkout("main")
    write_tree(repo_dir, {"web/settings.yaml": settings("v3")})
    commit_all(repo_dir, message="v3")
    repo.create_remote("origin", URL)  # the clone knows where it comes from
    write_tree(
        repo_dir,
        {
            "apps/head.yaml": web("head", "HEAD"),
            "apps/main.yaml": web("on-main", "main"),
            "apps/release.yaml": web("on-release", "release"),
            "apps/tag.yaml": web("on-tag", "v1"),
            "apps/sha.yaml": web("on-sha", first),
            "web/settings.yaml": settings("edited"),
        },
    )
    return repo_dir, first


def versions(tmp_path: Path, repo: Path, revision: str | None) -> dict[str, str]:
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(repo), revision)
    out = {}
    for found in pipeline.discover(checkout).apps:
        rendered = pipeline.render(found, checkout)
        assert rendered.error is None, rendered.error
        (cm,) = rendered.resources
        out[found.name] = str(cm.body["data"]["version"])
    return out


def test_each_app_is_read_at_its_own_target_revision(
    tmp_path: Path, clone: tuple[Path, str]
) -> None:
    repo, _ = clone
    assert versions(tmp_path, repo, None) == {
        "head": "edited",  # the working tree stands for the branch checked out
        "on-main": "edited",
        "on-release": "v2",
        "on-tag": "v1",
        "on-sha": "v1",
    }


def test_revision_given_pins_every_app(tmp_path: Path, clone: tuple[Path, str]) -> None:
    """`--revision main`: every app is read at main, whatever its targetRevision."""
    repo, _ = clone
    commit_all(repo, message="apps")
    assert versions(tmp_path, repo, "main") == dict.fromkeys(
        ["head", "on-main", "on-release", "on-tag", "on-sha"], "edited"
    )


def test_an_unknown_target_revision_is_an_error_of_that_app(
    tmp_path: Path, clone: tuple[Path, str]
) -> None:
    repo, _ = clone
    write_tree(repo, {"apps/gone.yaml": web("gone", "no-such-branch")})
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(repo), None)
    found = pipeline.discover(checkout)
    gone = found.app("gone")
    assert gone is not None
    rendered = pipeline.render(gone, checkout)
    assert rendered.error is not None and "no-such-branch" in rendered.error
    head = found.app("head")
    assert head is not None and pipeline.render(head, checkout).error is None
