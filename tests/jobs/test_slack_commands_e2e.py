"""`/gitops` end to end, named `contract` as Slack's side is a local server checking each
answer's contract: a signed command to the real Flask app, its job on the real Redis run
by a worker against two kubesim clusters, the answer posted to the command's response_url.
A diff names each field with who changed it; a sync by a viewer is denied and logged; by
an operator it heals the cluster and the message shows the outcome per object."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.jobs import runtime, tasks
from auditor.jobs.embedded import EmbeddedRedis
from auditor.jobs.worker import run_worker
from bot import create_app
from bot.context import Context
from bot.slack.settings import SlackSettings
from tests.helpers.service import ServiceEnv, service_env
from tests.helpers.slack import (
    TOKEN,
    SlackSide,
    button_click,
    buttons,
    command,
    mention_event,
    signed,
    signed_json,
    slack_side,
)
from tests.jobs.conftest import SERVICE_VARIABLES

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.contract]
SECRET = "e2e-signing-secret"
OPERATOR, SECOND, VIEWER = "U0OPS", "U0OPS2", "U0VIEWER"


@pytest.fixture
def ops(
    world: DemoWorld, redis: EmbeddedRedis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceEnv]:
    def rbac(data: dict[str, object]) -> None:
        data["rbac"] = {
            "policy": f"g, slack:{OPERATOR}, role:admin\ng, slack:{SECOND}, role:admin\n"
            "g, slack-group:S0SRE, role:admin\n",
            "approvals": [{"app": "my-api-production"}],
        }

    (tmp_path / "service").mkdir()
    made = service_env(world, tmp_path / "service", redis_url=redis.url, config_changes=rbac)
    for name, value in made.env.items():
        if name in SERVICE_VARIABLES or name.startswith("GITOPS_AUDITOR_"):
            monkeypatch.setenv(name, value)
    runtime.reset()
    yield made
    runtime.reset()


@pytest.fixture
def side() -> Iterator[SlackSide]:
    with slack_side() as running:
        yield running


def click(client: FlaskClient, side: SlackSide, action: str, value: str, *, user: str) -> None:
    fields = button_click(action, value, user=user, response_url=side.response_url())
    body, headers = signed(SECRET, fields)
    assert client.post("/slack/events", data=body, headers=headers).status_code == 200


def slash(client: FlaskClient, side: SlackSide, text: str, *, user: str) -> None:
    body, headers = signed(SECRET, command(text, user=user, response_url=side.response_url()))
    response = client.post("/slack/events", data=body, headers=headers)
    assert response.status_code == 200 and "Working on" in response.get_json()["text"]


def work(ops: ServiceEnv) -> None:
    run_worker(url=ops.env["REDIS_URL"], queues=("audits", "syncs"), burst=True)


def replicas(ops: ServiceEnv) -> str:
    return str(
        ops.world.kubectl("get", "deployment", "billing", "-n", "billing", "-o",
                          "jsonpath={.spec.replicas}", context="production").stdout
    )  # fmt: skip


def test_diff_and_sync_from_slack(ops: ServiceEnv, side: SlackSide) -> None:
    tasks.plan_rounds()
    work(ops)
    make_drift(ops.world.kubectl)
    context = Context(service=runtime.service(), redis_url=ops.env["REDIS_URL"])
    client = create_app(context=context, slack=SlackSettings(signing_secret=SECRET)).test_client()

    slash(client, side, "diff my-api-production", user=VIEWER)
    work(ops)
    (diff,) = side.texts()
    assert "*my-api-production* is *OutOfSync*" in diff
    assert "`spec.template.spec.containers[name=my-api].image`" in diff
    assert "`myregistry.com/my-api:v1.4.3-hotfix`" in diff and "by kubectl set" in diff
    assert "Sync now" in diff and side.problems == []

    leaked = "postgres://billing:hunter2-leaked@db.billing:5432/billing"
    patch = json.dumps({"stringData": {"DATABASE_URL": leaked}})  # changed by hand
    ops.world.kubectl("patch", "secret", "billing-db", "-n", "billing", "--type=merge",
                      "-p", patch, context="production")  # fmt: skip
    slash(client, side, "diff billing", user=VIEWER)
    work(ops)
    secret_diff = side.texts()[-1]
    assert "Secret billing/billing-db" in secret_diff and "&lt;secret sha256:" in secret_diff
    assert "hunter2-leaked" not in secret_diff and "example-only" not in secret_diff
    assert base64.b64encode(leaked.encode()).decode() not in secret_diff

    slash(client, side, "sync billing", user=VIEWER)
    work(ops)
    assert ":no_entry:" in side.texts()[-1] and f"slack:{VIEWER}" in side.texts()[-1]
    store = runtime.service().store
    denied = [e for e in store.audit_log(target="billing") if e.result == "denied"]
    assert [e.actor.user for e in denied] == [f"slack:{VIEWER}"]
    assert replicas(ops) == "4"

    slash(client, side, "sync billing", user=OPERATOR)
    work(ops)
    syncing, done = side.answers[-2:]
    assert "Syncing *billing*" in syncing["text"] and syncing["response_type"] == "in_channel"
    assert done["replace_original"] is True  # the same message, now with the outcome
    assert ":white_check_mark: Sync of *billing* done: *Synced*" in side.texts()[-1]
    assert "`Deployment/billing` applied" in side.texts()[-1]
    assert replicas(ops) == "2"
    synced = [e for e in store.audit_log(target="billing") if e.action == "sync"]
    assert synced[0].result == "done" and synced[0].actor.user == f"slack:{OPERATOR}"
    assert side.problems == []


def image(ops: ServiceEnv) -> str:
    return str(
        ops.world.kubectl("get", "deployment", "my-api", "-n", "production", "-o",
                          "jsonpath={.spec.template.spec.containers[0].image}",
                          context="production").stdout
    )  # fmt: skip


def test_a_production_sync_needs_a_second_operator(ops: ServiceEnv, side: SlackSide) -> None:
    tasks.plan_rounds()
    work(ops)
    make_drift(ops.world.kubectl)
    drifted = image(ops)
    context = Context(service=runtime.service(), redis_url=ops.env["REDIS_URL"])
    client = create_app(context=context, slack=SlackSettings(signing_secret=SECRET)).test_client()
    slash(client, side, "diff my-api-production", user=VIEWER)
    work(ops)
    click(client, side, "gitops_sync", buttons(side.answers[-1])["gitops_sync"], user=OPERATOR)
    work(ops)  # the Sync now button: an approval request, nothing synced yet
    request = side.answers[-1]
    assert f"<@{OPERATOR}> asks to sync *my-api-production*" in side.texts()[-1]
    ident = buttons(request)["gitops_approve"]
    assert image(ops) == drifted
    for user in (OPERATOR, VIEWER):  # the requester, then someone who may not sync
        click(client, side, "gitops_approve", ident, user=user)
        work(ops)
        assert ":no_entry:" in side.texts()[-1]
    assert image(ops) == drifted
    click(client, side, "gitops_approve", ident, user=SECOND)
    work(ops)
    assert ":white_check_mark: Sync of *my-api-production* done" in side.texts()[-1]
    assert image(ops) == "myregistry.com/my-api:v1.4.2"  # Git's image again
    click(client, side, "gitops_approve", ident, user=SECOND)
    work(ops)
    assert "already decided" in side.texts()[-1]  # one approval, one sync
    log = runtime.service().store.audit_log(target="my-api-production")
    decisions = [(e.actor.user, e.action, e.result) for e in log if e.action in ("approve", "sync")]
    assert (f"slack:{SECOND}", "approve", "approved") in decisions
    assert (f"slack:{OPERATOR}", "approve", "denied") in decisions
    assert (f"slack:{OPERATOR}", "sync", "done") in decisions  # the sync is the requester's
    assert side.problems == []


def test_a_mention_is_answered_in_its_thread(
    ops: ServiceEnv, side: SlackSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", side.api_url)
    tasks.plan_rounds()
    work(ops)
    context = Context(service=runtime.service(), redis_url=ops.env["REDIS_URL"])
    client = create_app(context=context, slack=SlackSettings(signing_secret=SECRET)).test_client()
    body = mention_event("<@U0BOT> status billing", user=VIEWER, ts="1700000123.000200",
                         event_id="Ev0MENTION")  # fmt: skip
    response = client.post("/slack/events", data=body, headers=signed_json(SECRET, body))
    assert response.status_code == 200
    work(ops)
    (answer,) = [b for m, b in side.calls if m == "chat.postMessage"]
    assert answer["channel"] == "C0OPS"
    assert answer["thread_ts"] == "1700000123.000200"
    assert "*billing* (platform, `production`): Synced, Healthy" in answer["text"]
    assert side.problems == []


def test_slack_user_groups_are_rbac_subjects(
    ops: ServiceEnv, side: SlackSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_API_URL", side.api_url)
    side.groups = {"S0SRE": {"U0SRE"}, "S0OTHER": {VIEWER}}
    tasks.plan_rounds()
    work(ops)
    make_drift(ops.world.kubectl)
    context = Context(service=runtime.service(), redis_url=ops.env["REDIS_URL"])
    client = create_app(context=context, slack=SlackSettings(signing_secret=SECRET)).test_client()
    slash(client, side, "sync billing", user=VIEWER)  # in another group: still a viewer
    work(ops)
    assert ":no_entry:" in side.texts()[-1]
    slash(client, side, "sync billing", user="U0SRE")  # an admin through S0SRE
    work(ops)
    assert ":white_check_mark: Sync of *billing* done" in side.texts()[-1]
    assert replicas(ops) == "2"
    assert [m for m, _ in side.calls].count("usergroups.list") == 1  # read once, reused
