"""`/slack/events` on the real Flask app, with a real Redis for the queue: a correctly
signed `/gitops` command is acked at once and enqueued; forged, expired, replayed and
tampered requests are rejected with nothing enqueued; bad text gets its usage."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from auditor.config import Config
from auditor.jobs.embedded import EmbeddedRedis
from auditor.jobs.queues import AUDITS
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.store import SqlStore
from bot import create_app
from bot.context import Context
from bot.slack.settings import SlackSettings
from tests.helpers.service import private_redis, wait_for
from tests.helpers.slack import command, signed, socket_mode_side

pytestmark = [pytest.mark.redis]
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    with private_redis(tmp_path / "redis") as running:
        yield running


@pytest.fixture
def client(tmp_path: Path, redis: EmbeddedRedis) -> FlaskClient:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    context = Context(service=Service(pipeline=pipeline, store=store), redis_url=redis.url)
    settings = SlackSettings(signing_secret=SECRET, bot_token="xoxb-test-token")
    return create_app(context=context, slack=settings).test_client()


def queued(redis: EmbeddedRedis) -> list[str]:
    return Queue(AUDITS, connection=Redis.from_url(redis.url)).job_ids


def post(client: FlaskClient, body: str, headers: dict[str, str]) -> tuple[int, str]:
    response = client.post("/slack/events", data=body, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def test_a_signed_command_is_acked_and_enqueued(client: FlaskClient, redis: EmbeddedRedis) -> None:
    body, headers = signed(SECRET, command("diff my-api-production", response_url="http://x/r"))
    started = time.monotonic()
    status, text = post(client, body, headers | {"X-Request-ID": "slack-req-1"})
    assert time.monotonic() - started < 3  # Slack's limit for the ack
    assert status == 200
    ack = json.loads(text)
    assert ack["response_type"] == "ephemeral" and "Working on" in ack["text"]
    (job_id,) = queued(redis)
    assert job_id == "slack-slack-req-1"
    job = Queue(AUDITS, connection=Redis.from_url(redis.url)).fetch_job(job_id)
    assert job is not None and job.func_name == "bot.slack.jobs.answer_command"
    assert job.kwargs["text"] == "diff my-api-production"
    assert job.kwargs["user"] == "U0VIEWER" and job.kwargs["channel"] == "C0OPS"
    assert job.kwargs["response_url"] == "http://x/r"
    assert job.meta == {"request_id": "slack-req-1"}


@pytest.mark.parametrize("text", ["syncc my-api", "diff <!channel>", "x" * 100_000, "help"])
def test_text_that_is_no_job_is_answered_at_once(
    client: FlaskClient, redis: EmbeddedRedis, text: str
) -> None:
    status, answer = post(client, *signed(SECRET, command(text)))
    assert status == 200
    reply = json.loads(answer)
    assert reply["response_type"] == "ephemeral" and "/gitops" in reply["text"]
    assert queued(redis) == []
    store = client.application.extensions["gitops-auditor"].service.store
    refused = [(e.actor.user, e.action, e.result) for e in store.audit_log()]
    assert refused == ([] if text == "help" else [("slack:U0VIEWER", "usage", "refused")])


def test_forged_expired_tampered_and_replayed_requests_are_rejected(
    client: FlaskClient, redis: EmbeddedRedis
) -> None:
    fields = command("sync billing")
    forged = signed("not-the-secret", fields)
    expired = signed(SECRET, fields, at=time.time() - 6 * 60)
    body, headers = signed(SECRET, fields)
    tampered = body.replace("billing", "payments"), headers
    unsigned = body, {"Content-Type": "application/x-www-form-urlencoded"}
    for request in (forged, expired, tampered, unsigned):
        assert post(client, *request)[0] == 401
    assert queued(redis) == []
    assert post(client, body, headers)[0] == 200  # the real one, once
    assert post(client, body, headers)[0] == 401  # and its replay
    assert len(queued(redis)) == 1
    assert client.application.extensions["gitops-auditor-slack-rejected"]["count"] == 5


def test_no_secret_or_token_in_the_logs(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("DEBUG"):
        post(client, *signed("forged", command("sync billing")))
        post(client, *signed(SECRET, command("status")))
    assert caplog.records  # the rejection was logged
    assert SECRET not in caplog.text and "xoxb-test-token" not in caplog.text


def test_socket_mode_takes_commands_with_no_public_url(
    tmp_path: Path, redis: EmbeddedRedis
) -> None:
    with socket_mode_side() as side:
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "c")
        context = Context(service=Service(pipeline=pipeline, store=store), redis_url=redis.url)
        settings = SlackSettings(signing_secret="", app_token=side.app_token, api_url=side.api_url)
        app = create_app(context=context, slack=settings)
        try:
            fields = command("diff my-api-production", response_url="http://x/r")
            side.outgoing.append({"envelope_id": "env-1", "type": "slash_commands",
                                  "accepts_response_payload": True, "payload": fields})  # fmt: skip
            wait_for(lambda: side.acks, timeout=30)
        finally:
            app.extensions["gitops-auditor-slack-socket"].close()
    (ack,) = side.acks
    assert ack["envelope_id"] == "env-1" and "Working on" in ack["payload"]["text"]
    (job_id,) = queued(redis)
    job = Queue(AUDITS, connection=Redis.from_url(redis.url)).fetch_job(job_id)
    assert job is not None and job.kwargs["text"] == "diff my-api-production"
    assert side.connections >= 1 and side.problems == []
    assert app.test_client().post("/slack/events", data="x").status_code == 404  # no HTTP
