"""Forge webhooks end to end, named `contract` as the forge's API is a local stand-in that
checks each request against GitHub's and GitLab's documented REST contract: deliveries
(the forges' example payloads, pointed at a real Git repo) to the real Flask app, their
jobs on the real Redis run by a burst worker against two kubesim clusters.

A push to `main` that changes one app audits that app alone, at the pushed commit; a new
branch (GitHub's example push) gets a round of every cluster. A pull (merge) request whose
head runs a `:latest` image gets `pending` then `failure` on its head and one comment with
the verdict and the desired-state diff; a push that pins the tag again gets `success` and
the same comment, edited in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest
from flask.testing import FlaskClient

from auditor.demo.tour import DemoWorld
from auditor.forge.standin import ForgeStandIn, forge_standin
from auditor.jobs import runtime
from auditor.jobs.embedded import EmbeddedRedis
from auditor.jobs.worker import run_worker
from auditor.service.pr_check import CONTEXT, NOTIFIER
from auditor.sources.local import commit_all
from bot import create_app
from bot.context import Context
from bot.forges import GITHUB_SECRET, GITLAB_TOKEN
from tests.helpers.service import ServiceEnv, service_env
from tests.helpers.webhooks import (
    GITHUB_SECRET as SECRET,
)
from tests.helpers.webhooks import (
    GITLAB_TOKEN as TOKEN,
)
from tests.helpers.webhooks import (
    github_pull,
    github_push,
    gitlab_merge_request,
    gitlab_push,
    post_github,
    post_gitlab,
)
from tests.jobs.conftest import SERVICE_VARIABLES

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.contract]
REPOS = {"github": "acme/k8s-deployments", "gitlab": "platform/gitops/k8s-deployments"}
OVERLAY = "apps/my-api/overlays/production/kustomization.yaml"
NUMBER = 7


@pytest.fixture(params=["github", "gitlab"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stand_in() -> Iterator[ForgeStandIn]:
    with forge_standin(*REPOS.values()) as running:
        yield running


def forge_service(
    world: DemoWorld,
    redis: EmbeddedRedis,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    forge: dict[str, Any],
) -> ServiceEnv:
    """The service's environment with `remediation.forge` set, applied to this process."""

    def with_forge(data: dict[str, Any]) -> None:
        data.setdefault("remediation", {})["forge"] = forge

    workdir.mkdir()
    made = service_env(world, workdir, redis_url=redis.url, config_changes=with_forge)
    for name, value in made.env.items():
        if name in SERVICE_VARIABLES or name.startswith("GITOPS_AUDITOR_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv(GITHUB_SECRET, SECRET)
    monkeypatch.setenv(GITLAB_TOKEN, TOKEN)
    runtime.reset()
    return made


@pytest.fixture
def ops(
    world: DemoWorld,
    redis: EmbeddedRedis,
    stand_in: ForgeStandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> Iterator[ServiceEnv]:
    forge = {"kind": kind, "repo": REPOS[kind], "url": stand_in.url}
    yield forge_service(world, redis, tmp_path / "service", monkeypatch, forge=forge)
    runtime.reset()


def app_client(ops: ServiceEnv) -> FlaskClient:
    context = Context(service=runtime.service(), redis_url=ops.env["REDIS_URL"])
    return create_app(context=context).test_client()


def work(ops: ServiceEnv) -> None:
    run_worker(url=ops.env["REDIS_URL"], queues=("audits",), burst=True)


def set_tag(repo: Path, tag: str) -> None:
    overlay = repo / OVERLAY
    text = overlay.read_text()
    current = next(line for line in text.splitlines() if "newTag:" in line)
    overlay.write_text(text.replace(current, f"    newTag: {tag}"))


def push(client: FlaskClient, kind: str, *, before: str, after: str) -> dict[str, Any]:
    if kind == "github":
        data = github_push(ref="refs/heads/main", before=before, after=after)
        response = post_github(client, "push", data)
    else:
        data = gitlab_push(ref="refs/heads/main", before=before, after=after)
        response = post_gitlab(client, "Push Hook", data)
    assert response.status_code == 202, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def test_a_push_audits_only_the_app_it_changes(ops: ServiceEnv, kind: str) -> None:
    world = ops.world
    set_tag(world.repo, "v1.5.0")
    head = commit_all(world.repo, message="my-api: v1.5.0 in production")
    client = app_client(ops)
    answer = push(client, kind, before=world.sha, after=head)
    assert answer == {"accepted": True, "job": f"push-{world.sha}-{head}"}
    store = runtime.service().store
    assert store.runs() == []  # the view only enqueued
    work(ops)  # the push job, then the audit it enqueued
    [run] = store.runs()
    assert run.app == "my-api-production" and run.revision == head and run.trigger == "webhook"
    [found] = store.findings(app="my-api-production")
    assert found.desired == "myregistry.com/my-api:v1.5.0"  # audited at the pushed commit


def pr_delivery(
    client: FlaskClient, kind: str, *, update: bool, base: str, head: str
) -> dict[str, Any]:
    if kind == "github":
        action = "synchronize" if update else "opened"
        data = github_pull(action, number=NUMBER, base=base, head=head)
        response = post_github(client, "pull_request", data)
    else:
        action = "update" if update else "open"
        data = gitlab_merge_request(action, iid=NUMBER, target="main", head=head)
        response = post_gitlab(client, "Merge Request Hook", data)
    assert response.status_code == 202, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert body["accepted"] is True
    return body


def statuses(stand_in: ForgeStandIn, kind: str, sha: str) -> list[tuple[str, str]]:
    name = "context" if kind == "github" else "name"
    return [(s["state"], s[name]) for s in stand_in.statuses if s["sha"] == sha]


def comment_calls(stand_in: ForgeStandIn, kind: str) -> list[tuple[str, str]]:
    marker = "/comments" if kind == "github" else "/notes"
    return [(c.method, c.path) for c in stand_in.calls if marker in c.path]


def test_a_pull_request_is_gated_with_a_status_and_one_comment_edited_in_place(
    ops: ServiceEnv, stand_in: ForgeStandIn, kind: str
) -> None:
    world = ops.world
    repo = git.Repo(str(world.repo))
    repo.git.checkout("-b", "my-api-latest")
    set_tag(world.repo, "latest")
    bad = commit_all(world.repo, message="my-api: run the latest image")
    repo.git.checkout("main")
    if kind == "github":
        stand_in.add_pull(REPOS[kind], NUMBER, head="my-api-latest")
    else:
        stand_in.add_merge_request(REPOS[kind], NUMBER, source="my-api-latest", target="main")
    client = app_client(ops)

    pr_delivery(client, kind, update=False, base=world.sha, head=bad)
    work(ops)
    failed = "failure" if kind == "github" else "failed"
    assert statuses(stand_in, kind, bad) == [("pending", CONTEXT), (failed, CONTEXT)]
    [comment] = stand_in.comments
    assert comment["repo"] == REPOS[kind] and comment["number"] == NUMBER
    assert "gitops-auditor check: fail" in comment["body"]
    assert "`images/no-latest`" in comment["body"] and "my-api-production" in comment["body"]
    assert "+      - image: myregistry.com/my-api:latest" in comment["body"]  # the diff
    sent = runtime.service().store.sent_message(NOTIFIER, REPOS[kind], str(NUMBER))
    assert sent is not None and sent.message == str(comment["id"])

    repo.git.checkout("my-api-latest")
    set_tag(world.repo, "v1.5.0")
    fixed = commit_all(world.repo, message="my-api: pin v1.5.0")
    repo.git.checkout("main")
    pr_delivery(client, kind, update=True, base=world.sha, head=fixed)
    work(ops)
    assert statuses(stand_in, kind, fixed) == [("pending", CONTEXT), ("success", CONTEXT)]
    [edited] = stand_in.comments  # the same comment, not a second one
    assert edited["id"] == comment["id"] and edited["edits"] == 1
    assert "gitops-auditor check: pass" in edited["body"] and "no-latest" not in edited["body"]
    assert "+      - image: myregistry.com/my-api:v1.5.0" in edited["body"]
    if kind == "github":
        base = f"/repos/{REPOS[kind]}/issues"
        assert comment_calls(stand_in, kind) == [
            ("POST", f"{base}/{NUMBER}/comments"),
            ("PATCH", f"{base}/comments/{comment['id']}"),
        ]
    else:
        base = f"/api/v4/projects/2/merge_requests/{NUMBER}/notes"  # ids: projects sorted
        assert comment_calls(stand_in, kind) == [
            ("POST", base),
            ("PUT", f"{base}/{comment['id']}"),
        ]
    assert stand_in.violations == []


@pytest.mark.parametrize("kind", ["github"])
def test_a_new_branch_pushed_as_the_audited_one_gets_a_round_of_every_cluster(
    ops: ServiceEnv, kind: str
) -> None:
    """GitHub's example push is a new branch (`before` all zeros): no change to diff, so
    every app is audited, cluster by cluster."""
    world = ops.world
    data = github_push(ref="refs/heads/main", before="0" * 40, after=world.sha)
    response = post_github(app_client(ops), "push", data)
    assert response.status_code == 202 and response.get_json()["accepted"] is True
    work(ops)  # the push job plans the rounds; the rounds audit every app
    runs = runtime.service().store.runs(limit=500)
    assert {r.app for r in runs} == {a.name for a in world.discovery.apps if not a.error}
    assert {r.trigger for r in runs} == {"webhook"}
