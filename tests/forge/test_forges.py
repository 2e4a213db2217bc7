"""`GitHubForge` and `GitLabForge` against a local server checking the REST contract:
one open PR per head branch (created, then updated), another branch opens another."""

from __future__ import annotations

import pytest

from auditor.forge import Forge, open_or_update
from auditor.forge.github import GitHubForge
from auditor.forge.gitlab import GitLabForge
from auditor.forge.standin import ForgeStandIn, forge_standin

BRANCH = "gitops-auditor/adopt-billing-0123456789"


def run_twice_then_other(forge: Forge) -> tuple[int, int, int]:
    first = open_or_update(forge, head=BRANCH, base="main", title="adopt billing", body="v1")
    again = open_or_update(forge, head=BRANCH, base="main", title="adopt billing", body="v2")
    other = open_or_update(forge, head=BRANCH + "x", base="main", title="t", body="b")
    assert first.created and not again.created and other.created
    return first.number, again.number, other.number


def calls(fake: ForgeStandIn) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in fake.calls]


@pytest.mark.contract
def test_github_contract_create_then_update_never_duplicate() -> None:
    with forge_standin("acme/k8s-deployments") as fake:
        forge = GitHubForge(repo="acme/k8s-deployments", token="t0k", base_url=fake.url)
        assert run_twice_then_other(forge) == (1, 1, 2)
    assert fake.violations == []
    base = "/repos/acme/k8s-deployments"
    assert calls(fake)[:3] == [("GET", base), ("GET", f"{base}/pulls"), ("POST", f"{base}/pulls")]
    assert ("PATCH", f"{base}/pulls/1") in calls(fake)
    lists = [c for c in fake.calls if c.path == f"{base}/pulls" and c.method == "GET"]
    assert lists[0].query == {"state": "open", "head": f"acme:{BRANCH}"}
    post = next(c for c in fake.calls if c.method == "POST")
    assert post.body == {"title": "adopt billing", "head": BRANCH, "base": "main", "body": "v1"}
    patch = next(c for c in fake.calls if c.method == "PATCH")
    assert patch.body == {"title": "adopt billing", "body": "v2"}
    assert [p["body"] for p in fake.pulls["acme/k8s-deployments"]] == ["v2", "b"]


@pytest.mark.contract
def test_gitlab_contract_create_then_update_never_duplicate() -> None:
    with forge_standin("platform/gitops/k8s-deployments") as fake:
        forge = GitLabForge(repo="platform/gitops/k8s-deployments", token="t0k", url=fake.url)
        assert run_twice_then_other(forge) == (1, 1, 2)
    assert fake.violations == []
    assert calls(fake)[0] == ("GET", "/api/v4/projects/platform%2Fgitops%2Fk8s-deployments")
    lists = [c for c in fake.calls if c.method == "GET" and c.path.endswith("/merge_requests")]
    assert lists[0].path == "/api/v4/projects/1/merge_requests"
    assert lists[0].query["state"] == "opened" and lists[0].query["source_branch"] == BRANCH
    post = next(c for c in fake.calls if c.method == "POST")
    want = {"source_branch": BRANCH, "target_branch": "main", "title": "adopt billing"}
    assert post.body == {**want, "description": "v1"}
    put = next(c for c in fake.calls if c.method == "PUT")
    assert put.path == "/api/v4/projects/1/merge_requests/1"
    assert put.body == {"title": "adopt billing", "description": "v2"}


@pytest.mark.contract
def test_github_contract_unknown_repository_is_a_readable_error() -> None:
    from auditor.forge import ForgeError

    with forge_standin("acme/other") as fake:
        forge = GitHubForge(repo="acme/missing", token="", base_url=fake.url)
        with pytest.raises(
            ForgeError, match="GitHub: cannot get repository acme/missing: HTTP 404"
        ):
            forge.find_open(head=BRANCH)
