"""Drift notifications to Slack, end to end and named `contract` (Slack's Web API is a
local server checking each call's token and Block Kit): rounds on two kubesim clusters
store the events, the notifications job posts them to the channels that subscribe (by
config, and by the Application's Argo CD annotation), one message per drift episode
updated in place when it resolves, through a 429, and never twice after a failure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.jobs import runtime, tasks
from auditor.jobs.embedded import EmbeddedRedis
from auditor.jobs.worker import run_worker
from auditor.sources.local import commit_all
from bot.slack.notifier import notifiers
from bot.slack.settings import SlackSettings
from tests.helpers.service import ServiceEnv, service_env
from tests.helpers.slack import TOKEN, SlackSide, slack_side
from tests.jobs.conftest import SERVICE_VARIABLES

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.contract]


@pytest.fixture
def side() -> Iterator[SlackSide]:
    with slack_side() as running:
        yield running


@pytest.fixture
def ops(
    world: DemoWorld,
    redis: EmbeddedRedis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    side: SlackSide,
) -> Iterator[ServiceEnv]:
    def subscriptions(data: dict[str, object]) -> None:
        data["notifications"] = {
            "slack": [{"channel": "#drift", "app": "billing"}, {"channel": "#prod-ops",
                       "cluster": "production", "triggers": ["drift-resolved"]},
                      {"channel": "#digest", "digest": True, "cluster": "in-cluster"}]
        }  # fmt: skip

    # An Argo CD user's own subscription, on the Application itself.
    manifest = world.repo / "argocd" / "apps" / "my-api-dev.yaml"
    app = yaml.safe_load(manifest.read_text())
    app["metadata"]["annotations"] = {
        "notifications.argoproj.io/subscribe.on-drift-detected.slack": "dev-team;#drift",
    }
    manifest.write_text(yaml.safe_dump(app))
    commit_all(world.repo, message="subscribe my-api-dev")
    (tmp_path / "service").mkdir()
    made = service_env(world, tmp_path / "service", redis_url=redis.url,
                       config_changes=subscriptions)  # fmt: skip
    for name, value in made.env.items():
        if name in SERVICE_VARIABLES or name.startswith("GITOPS_AUDITOR_"):
            monkeypatch.setenv(name, value)
    runtime.reset()
    service = runtime.service()
    settings = SlackSettings(signing_secret="", bot_token=TOKEN, api_url=side.api_url)
    service.notifiers.extend(notifiers(service, settings))
    yield made
    runtime.reset()


def work(ops: ServiceEnv) -> None:
    run_worker(url=ops.env["REDIS_URL"], queues=("audits", "notifications"), burst=True)


def test_drift_is_posted_once_then_updated_in_place_when_resolved(
    ops: ServiceEnv, side: SlackSide
) -> None:
    tasks.plan_rounds()
    work(ops)
    assert side.calls == []  # nothing has drifted yet
    make_drift(ops.world.kubectl)
    side.rate_limit_next = 1  # Slack says slow down once: the notifier waits and goes on
    tasks.plan_rounds()
    work(ops)
    posted = {(body["channel"], body["text"].split("*")[1]) for m, body in side.calls
              if m == "chat.postMessage"}  # fmt: skip
    assert posted == {("#drift", "billing"), ("dev-team", "my-api-dev"), ("#drift", "my-api-dev")}
    billing = next(b for m, b in side.calls if b["channel"] == "#drift" and "billing" in b["text"])
    texts = "\n".join(str(block.get("text", {}).get("text", "")) for block in billing["blocks"])
    assert "`spec.replicas`: `2` -> `4` by kubectl," in texts
    calls = len(side.calls)
    tasks.deliver_events()  # again: everything was sent, nothing goes twice
    assert len(side.calls) == calls

    later = datetime.now(UTC) + timedelta(hours=2)
    reminded = tasks.remind_open_drift(at=later.isoformat())["reminders"]
    assert "billing" in reminded and tasks.remind_open_drift(at=later.isoformat()) == {
        "reminders": []
    }  # one reminder per drift and age
    work(ops)
    (reminder,) = [b for m, b in side.calls[calls:] if b["channel"] == "CDRIFT"
                   and "billing" in b["text"]]  # fmt: skip
    billing_ts = next(
        side.replies[i]["ts"]
        for i, (m, b) in enumerate(side.calls)
        if m == "chat.postMessage" and b["channel"] == "#drift" and "billing" in b["text"]
    )
    assert reminder["thread_ts"] == billing_ts and reminder["reply_broadcast"] is True
    assert "*billing* has drifted for over 1h" in reminder["text"]
    next_day = tasks.remind_open_drift(at=(later + timedelta(days=1)).isoformat())
    assert "billing" in next_day["reminders"]  # the 24 h one

    ops.world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=2",
                      context="production")  # fmt: skip
    tasks.plan_rounds()
    work(ops)
    first_post = next(
        i
        for i, (m, b) in enumerate(side.calls)
        if m == "chat.postMessage" and b["channel"] == "#drift" and "billing" in b["text"]
    )
    (update,) = [b for m, b in side.calls if m == "chat.update" and b["channel"] == "CDRIFT"]
    assert update["ts"] == side.replies[first_post]["ts"]  # the first message, not a new one
    assert "*billing* is back in line with Git" in update["text"]
    resolved_posts = [b for m, b in side.calls if b["channel"] == "#prod-ops"]
    assert [b["text"].split("*")[1] for b in resolved_posts] == ["billing"]
    assert side.problems == []


def test_a_failed_channel_is_retried_without_doubling_the_others(
    ops: ServiceEnv, side: SlackSide
) -> None:
    tasks.plan_rounds()
    work(ops)
    side.failing = {"DEV-TEAM"}
    make_drift(ops.world.kubectl)
    tasks.plan_rounds()
    work(ops)
    first = [(m, b["channel"]) for m, b in side.calls]
    assert ("chat.postMessage", "dev-team") in first  # tried, and failed
    side.failing = set()
    delivered = tasks.deliver_events()
    assert delivered["failed"] == {}
    posts = [
        (b["channel"], b["text"].split("*")[1]) for m, b in side.calls if m == "chat.postMessage"
    ]
    assert posts.count(("dev-team", "my-api-dev")) == 2  # failed once, then sent
    assert posts.count(("#drift", "my-api-dev")) == 1  # sent before the failure, not again
    assert posts.count(("#drift", "billing")) == 1  # held back by the failure, then sent
    assert side.problems == []


def test_a_digest_channel_gets_one_summary_a_day(ops: ServiceEnv, side: SlackSide) -> None:
    tasks.plan_rounds()
    work(ops)
    make_drift(ops.world.kubectl)
    tasks.plan_rounds()
    work(ops)
    assert not [b for m, b in side.calls if b["channel"] == "#digest"]  # no single events
    morning = datetime(2026, 12, 4, 9, 0, tzinfo=UTC).isoformat()
    assert tasks.daily_digest(at=morning) == {"digest": "2026-12-04", "new": True}
    assert tasks.daily_digest(at=morning)["new"] is False  # once a day
    work(ops)
    (digest,) = [b for m, b in side.calls if b["channel"] == "#digest"]
    text = "\n".join(str(block.get("text", {}).get("text", "")) for block in digest["blocks"])
    assert "*Daily drift digest*" in text
    assert "*my-api-dev*" in text and "*another-service-dev*" in text  # in-cluster ones
    assert "*billing*" not in text  # production: not this digest's
    assert side.problems == []
