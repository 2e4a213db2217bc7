"""`GitHubForge` and `GitLabForge` against a local server checking the REST contract:
one open PR per head branch (created, then updated), another branch opens another; commit
statuses (GitLab's own state names) and one PR comment, edited in place on the next call
(posted again when it was deleted)."""

from __future__ import annotations

import pytest

from auditor.forge import Forge, ForgeError, open_or_update
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
    with forge_standin("acme/other") as fake:
        forge = GitHubForge(repo="acme/missing", token="", base_url=fake.url)
        with pytest.raises(
            ForgeError, match="GitHub: cannot get repository acme/missing: HTTP 404"
        ):
            forge.find_open(head=BRANCH)


SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


@pytest.mark.contract
def test_github_contract_status_and_one_comment_edited_in_place() -> None:
    with forge_standin() as fake:
        fake.add_pull("acme/k8s-deployments", 12, head="feature")
        forge = GitHubForge(repo="acme/k8s-deployments", token="t0k", base_url=fake.url)
        forge.set_status(SHA, state="pending", context="gitops-auditor/check", description="x")
        first = forge.comment(12, "verdict v1")
        again = forge.comment(12, "verdict v2", existing=first)
    assert fake.violations == []
    assert again == first
    [comment] = fake.comments
    assert str(comment["id"]) == first and comment["body"] == "verdict v2"
    base = "/repos/acme/k8s-deployments"
    writes = [(c.method, c.path, c.body) for c in fake.calls if c.method != "GET"]
    assert writes == [
        ("POST", f"{base}/statuses/{SHA}",
         {"state": "pending", "context": "gitops-auditor/check", "description": "x"}),
        ("POST", f"{base}/issues/12/comments", {"body": "verdict v1"}),
        ("PATCH", f"{base}/issues/comments/{first}", {"body": "verdict v2"}),
    ]  # fmt: skip
    assert not any(c.method == "GET" and "/issues" in c.path for c in fake.calls)


@pytest.mark.contract
def test_github_contract_a_deleted_comment_is_posted_again() -> None:
    with forge_standin() as fake:
        fake.add_pull("acme/k8s-deployments", 12, head="feature")
        forge = GitHubForge(repo="acme/k8s-deployments", token="t0k", base_url=fake.url)
        first = forge.comment(12, "v1")
        fake.comments.clear()  # someone deleted it
        second = forge.comment(12, "v2", existing=first)
        with pytest.raises(ForgeError, match="HTTP 404"):
            forge.comment(99, "on no PR")  # the stand-in knows no #99
    assert second != first and [c["body"] for c in fake.comments] == ["v2"]


@pytest.mark.contract
def test_gitlab_contract_status_states_and_one_note_edited_in_place() -> None:
    project = "platform/gitops/k8s-deployments"
    with forge_standin() as fake:
        fake.add_merge_request(project, 5, source="feature", target="main")
        forge = GitLabForge(repo=project, token="t0k", url=fake.url)
        for state in ("pending", "failure", "success"):
            forge.set_status(SHA, state=state, context="gitops-auditor/check", description="d")
        first = forge.comment(5, "verdict v1")
        again = forge.comment(5, "verdict v2", existing=first)
        with pytest.raises(ForgeError, match="unknown commit status state"):
            forge.set_status(SHA, state="bogus", context="c", description="d")
    assert fake.violations == []
    assert again == first and [c["body"] for c in fake.comments] == ["verdict v2"]
    posted = [c for c in fake.calls if c.path == f"/api/v4/projects/1/statuses/{SHA}"]
    assert [c.body["state"] for c in posted] == ["pending", "failed", "success"]  # GitLab's
    assert all(c.body["name"] == "gitops-auditor/check" for c in posted)
    notes = "/api/v4/projects/1/merge_requests/5/notes"
    writes = [(c.method, c.path, c.body) for c in fake.calls if "/notes" in c.path]
    assert writes == [
        ("POST", notes, {"body": "verdict v1"}),
        ("PUT", f"{notes}/{first}", {"body": "verdict v2"}),
    ]
