"""`/webhooks/github` and `/webhooks/gitlab` on the real Flask app, with a real Redis for
the queue and a real SQLite store for the deliveries seen, fed GitHub's own example
payloads and GitLab's documented ones: a signed (or token-carrying) delivery is accepted
and enqueues one job; a missing or wrong signature or token is a 401, a replayed delivery
id a 409, a delivery without an id a 400, all in one JSON error shape, with nothing
enqueued; pushes to other branches and unknown events are ignored."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from auditor.config import Config
from auditor.jobs.embedded import EmbeddedRedis, start_embedded
from auditor.jobs.queues import AUDITS
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.store import SqlStore
from bot import create_app
from bot.context import Context
from bot.forges import GITHUB_SECRET, GITLAB_TOKEN
from tests.helpers.service import private_redis
from tests.helpers.webhooks import (
    GITHUB_SECRET as SECRET,
)
from tests.helpers.webhooks import (
    GITLAB_TOKEN as TOKEN,
)
from tests.helpers.webhooks import (
    ZERO,
    github_pull,
    github_push,
    github_signature,
    gitlab_merge_request,
    gitlab_push,
    payload,
    post_github,
    post_gitlab,
)

pytestmark = [pytest.mark.redis]
BEFORE, AFTER = "a" * 40, "b" * 40


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    with private_redis(tmp_path / "redis") as running:
        yield running


def make_client(tmp_path: Path, redis: EmbeddedRedis, *, revision: str = "main") -> FlaskClient:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    config = Config.model_validate({"service": {"repo": str(tmp_path), "revision": revision}})
    pipeline = Pipeline.from_config(config, cache_dir=tmp_path / "cache")
    context = Context(service=Service(pipeline=pipeline, store=store), redis_url=redis.url)
    return create_app(context=context).test_client()


@pytest.fixture
def client(tmp_path: Path, redis: EmbeddedRedis, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setenv(GITHUB_SECRET, SECRET)
    monkeypatch.setenv(GITLAB_TOKEN, TOKEN)
    return make_client(tmp_path, redis)


def queued(redis: EmbeddedRedis) -> list[str]:
    return Queue(AUDITS, connection=Redis.from_url(redis.url)).job_ids


def job_kwargs(redis: EmbeddedRedis, ident: str) -> tuple[str, dict[str, Any]]:
    job = Queue(AUDITS, connection=Redis.from_url(redis.url)).fetch_job(ident)
    assert job is not None
    return str(job.func_name), {k: v for k, v in job.kwargs.items() if k != "pending"}


def error_of(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["message"]
    return str(body["error"]["code"])


def test_github_ping_is_answered(client: FlaskClient, redis: EmbeddedRedis) -> None:
    response = post_github(client, "ping", payload("github", "ping"))
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert queued(redis) == []


def test_a_signed_push_to_the_tracked_branch_enqueues_one_job(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    response = post_github(client, "push", push, delivery="d-1")
    assert response.status_code == 202
    assert response.get_json() == {"accepted": True, "job": f"push-{BEFORE}-{AFTER}"}
    assert queued(redis) == [f"push-{BEFORE}-{AFTER}"]
    func, kwargs = job_kwargs(redis, f"push-{BEFORE}-{AFTER}")
    assert func == "auditor.jobs.tasks.run_push"
    assert kwargs == {"before": BEFORE, "after": AFTER, "ref": "refs/heads/main", "forge": "github"}


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        ("", "missing-signature"),
        (github_signature(b"{}", "another secret"), "bad-signature"),
        ("sha1=" + "0" * 40, "bad-signature"),
        ("sha256=" + "0" * 64, "bad-signature"),
    ],
)
def test_a_missing_or_bad_signature_is_401_and_nothing_is_remembered(
    client: FlaskClient, redis: EmbeddedRedis, signature: str, code: str
) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    response = post_github(client, "push", push, delivery="d-forged", signature=signature)
    assert error_of(response, 401) == code
    assert queued(redis) == []
    # The forged delivery's id was not remembered: the genuine one still goes through.
    assert post_github(client, "push", push, delivery="d-forged").status_code == 202


def test_a_body_changed_after_signing_is_401(client: FlaskClient, redis: EmbeddedRedis) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    signed_for = github_signature(b'{"ref": "refs/heads/other"}')
    assert error_of(post_github(client, "push", push, signature=signed_for), 401) == "bad-signature"
    assert queued(redis) == []


def test_a_replayed_delivery_is_409(client: FlaskClient, redis: EmbeddedRedis) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    assert post_github(client, "push", push, delivery="d-replay").status_code == 202
    again = github_push(ref="refs/heads/main", before=AFTER, after="c" * 40)
    assert error_of(post_github(client, "push", again, delivery="d-replay"), 409) == "replayed"
    assert queued(redis) == [f"push-{BEFORE}-{AFTER}"]  # the replay enqueued nothing


def test_a_delivery_the_queue_could_not_take_is_taken_when_redelivered(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    redis.stop()  # the queue is down: nothing can be enqueued
    assert error_of(post_github(client, "push", push, delivery="d-down"), 503) == (
        "queue-unavailable"
    )
    restarted = start_embedded(redis.data_dir)  # back, on the same socket
    try:
        response = post_github(client, "push", push, delivery="d-down")  # the redelivery
        assert response.status_code == 202, response.get_data(as_text=True)
        assert queued(restarted) == [f"push-{BEFORE}-{AFTER}"]
    finally:
        restarted.stop()


def test_a_delivery_without_an_id_is_400(client: FlaskClient, redis: EmbeddedRedis) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    assert error_of(post_github(client, "push", push, delivery=""), 400) == "missing-delivery"
    assert queued(redis) == []


def test_a_push_to_another_branch_or_a_tag_is_ignored(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    for ref in ("refs/heads/feature", "refs/tags/main", "refs/heads/main-old"):
        push = github_push(ref=ref, before=BEFORE, after=AFTER)
        response = post_github(client, "push", push)
        assert response.status_code == 202
        body = response.get_json()
        assert body["ignored"] is True and body["ref"] == ref
    assert queued(redis) == []


def test_the_example_push_a_new_branch_enqueues_its_job(
    tmp_path: Path, redis: EmbeddedRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a tracked revision, the repository's default branch (the payload's) counts;
    GitHub's example is such a push, of a new branch (before all zeros)."""
    monkeypatch.setenv(GITHUB_SECRET, SECRET)
    client = make_client(tmp_path, redis, revision="")
    push = payload("github", "push")
    assert push["ref"] == "refs/heads/master" and push["before"] == ZERO
    response = post_github(client, "push", push)
    assert response.status_code == 202 and response.get_json()["accepted"] is True
    [ident] = queued(redis)
    assert job_kwargs(redis, ident)[1]["before"] == ZERO


def test_an_unknown_event_is_accepted_and_ignored(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    response = post_github(client, "star", {"action": "created", "starred_at": None})
    assert response.status_code == 202 and response.get_json()["ignored"] is True
    response = post_gitlab(client, "Pipeline Hook", {"object_kind": "pipeline"})
    assert response.status_code == 202 and response.get_json()["ignored"] is True
    assert queued(redis) == []


def test_a_pull_request_enqueues_the_gate_at_its_head(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    opened = github_pull("opened", number=41, base=BEFORE, head=AFTER)
    response = post_github(client, "pull_request", opened)
    ident = f"pr-github-41-{AFTER}"
    assert response.status_code == 202 and response.get_json() == {"accepted": True, "job": ident}
    func, kwargs = job_kwargs(redis, ident)
    assert func == "auditor.jobs.tasks.run_pr_check"
    assert kwargs == {"forge": "github", "number": 41, "base": BEFORE, "head": AFTER}
    pushed = github_pull("synchronize", number=41, base=BEFORE, head="c" * 40)
    assert post_github(client, "pull_request", pushed).status_code == 202
    closed = github_pull("opened", number=41, base=BEFORE, head="d" * 40)
    closed["action"] = "closed"
    response = post_github(client, "pull_request", closed)
    assert response.status_code == 202 and response.get_json()["ignored"] is True
    assert queued(redis) == [ident, f"pr-github-41-{'c' * 40}"]


def test_gitlab_token_good_bad_and_missing(client: FlaskClient, redis: EmbeddedRedis) -> None:
    push = gitlab_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    assert error_of(post_gitlab(client, "Push Hook", push, token="wrong"), 401) == "bad-token"
    assert error_of(post_gitlab(client, "Push Hook", push, token=None), 401) == "missing-token"
    assert queued(redis) == []
    response = post_gitlab(client, "Push Hook", push, delivery="g-1")
    assert response.status_code == 202
    assert response.get_json() == {"accepted": True, "job": f"push-{BEFORE}-{AFTER}"}
    assert job_kwargs(redis, f"push-{BEFORE}-{AFTER}")[1]["forge"] == "gitlab"
    assert error_of(post_gitlab(client, "Push Hook", push, delivery="g-1"), 409) == "replayed"
    other = gitlab_push(ref="refs/heads/feature", before=BEFORE, after=AFTER)
    assert post_gitlab(client, "Push Hook", other).get_json()["ignored"] is True
    assert queued(redis) == [f"push-{BEFORE}-{AFTER}"]


def test_gitlab_delivery_ids_fall_back_to_the_idempotency_key(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    push = gitlab_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    sent = post_gitlab(client, "Push Hook", push, delivery="k-1", id_header="Idempotency-Key")
    assert sent.status_code == 202
    again = post_gitlab(client, "Push Hook", push, delivery="k-1", id_header="Idempotency-Key")
    assert error_of(again, 409) == "replayed"
    assert error_of(post_gitlab(client, "Push Hook", push, delivery=""), 400) == "missing-delivery"


def test_gitlab_merge_requests_open_and_new_commits_enqueue_the_gate(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    opened = gitlab_merge_request("open", iid=7, target="main", head=AFTER)
    response = post_gitlab(client, "Merge Request Hook", opened)
    assert response.status_code == 202
    func, kwargs = job_kwargs(redis, f"pr-gitlab-7-{AFTER}")
    assert func == "auditor.jobs.tasks.run_pr_check"
    assert kwargs == {"forge": "gitlab", "number": 7, "base": "main", "head": AFTER}
    retitled = gitlab_merge_request("update", iid=7, target="main", head=AFTER)
    del retitled["object_attributes"]["oldrev"]  # an edit of the title: no new commits
    response = post_gitlab(client, "Merge Request Hook", retitled)
    assert response.status_code == 202 and response.get_json()["ignored"] is True
    pushed = gitlab_merge_request("update", iid=7, target="main", head="c" * 40)
    assert post_gitlab(client, "Merge Request Hook", pushed).status_code == 202
    assert queued(redis) == [f"pr-gitlab-7-{AFTER}", f"pr-gitlab-7-{'c' * 40}"]


def test_an_endpoint_is_mounted_only_with_its_secret(
    tmp_path: Path, redis: EmbeddedRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(GITHUB_SECRET, raising=False)
    monkeypatch.delenv(GITLAB_TOKEN, raising=False)
    secret = tmp_path / "gitlab-token"
    secret.write_text(TOKEN + "\n")
    monkeypatch.setenv(GITLAB_TOKEN + "_FILE", str(secret))  # a mounted secret file
    client = make_client(tmp_path, redis)
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    assert post_github(client, "push", push).status_code == 404
    push = gitlab_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    assert post_gitlab(client, "Push Hook", push).status_code == 202


def test_refusals_are_logged_without_the_secret(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    push = github_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    pushed = gitlab_push(ref="refs/heads/main", before=BEFORE, after=AFTER)
    with caplog.at_level(logging.WARNING, logger="bot.forges"):
        post_github(client, "push", push, delivery="d-log", secret="guessed-secret")
        post_gitlab(client, "Push Hook", pushed, token="guessed-token")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "d-log" in warnings[0].getMessage() and "bad-signature" in warnings[0].getMessage()
    text = caplog.text
    for secret in (SECRET, TOKEN, "guessed-secret", "guessed-token"):
        assert secret not in text
