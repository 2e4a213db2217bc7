"""The RQ job behind a `/gitops` command: the web process acked it within Slack's 3 s and
enqueued this; a worker runs it and answers on the command's `response_url`. Reads audit
(a `diff` audits the app first) or read the store; changes go through the service as the
Slack user (RBAC decides, the audit log records command, decision and denial). A sync
posts "syncing" first, then replaces it with the result, per object.

Workers import this module and the Slack client; never Flask.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from auditor.errors import AuditorError
from auditor.jobs import runtime
from auditor.jobs.locks import sync_lease
from auditor.service import Service
from auditor.service.operations import Forbidden, audit_and_record, authorize, sync_as
from auditor.service.rbac import GET, SYNC, UPDATE
from auditor.store.records import Actor, LogEntry, Trigger
from bot.slack import blocks
from bot.slack.commands import (
    Command,
    Known,
    Resolved,
    Usage,
    help_text,
    parse,
    resolve,
    slack_actor,
)
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)


class Reply:
    """Answers on one command's `response_url` (good for 30 minutes, 5 answers)."""

    def __init__(self, url: str) -> None:
        self.client = WebhookClient(url, timeout=10)

    def send(
        self,
        parts: Sequence[blocks.Block] | str,
        *,
        public: bool = False,
        replace: bool = False,
    ) -> None:
        body = blocks.message(parts)
        response = self.client.send(
            text=blocks.plain(body),
            blocks=body,
            response_type="in_channel" if public else "ephemeral",
            replace_original=replace,
        )
        if response.status_code != 200:
            raise AuditorError(f"Slack did not take the answer: {response.status_code}")


class ThreadReply:
    """Answers in a message's thread through the Web API (an @-mention has no
    response_url); `replace` edits the last answer it posted."""

    def __init__(self, client: WebClient, *, channel: str, thread: str) -> None:
        self.client = client
        self.channel = channel
        self.thread = thread
        self.last = ""

    def send(
        self,
        parts: Sequence[blocks.Block] | str,
        *,
        public: bool = False,
        replace: bool = False,
    ) -> None:
        body = blocks.message(parts)
        text = blocks.plain(body)
        if replace and self.last:
            self.client.chat_update(channel=self.channel, ts=self.last, blocks=body, text=text)
            return
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread, blocks=body, text=text
        )
        self.last = str(response["ts"])


Answer = Reply | ThreadReply


def answer_command(
    *,
    user: str,
    channel: str,
    response_url: str,
    text: str = "",
    groups: Sequence[str] = (),
    approval: str = "",
    decision: str = "",
    thread: str = "",
    pending: str = "",
) -> dict[str, Any]:
    """Run one `/gitops` command, or a decision (`approve`, `reject`) on the pending
    approval `approval`, and answer it: on `response_url`, or for an @-mention in the
    `thread` of the message that asked."""
    jobs = runtime.jobs()
    jobs.release(pending)
    service = runtime.service()
    actor = slack_actor(user, channel, (*groups, *user_groups(service, user)))
    reply: Answer
    if thread:
        reply = ThreadReply(_web_client(), channel=channel, thread=thread)
    else:
        reply = Reply(response_url)
    try:
        if approval:
            outcome = _decide(service, actor, approval, decision == "approve", reply)
        else:
            command = parse(text)
            if isinstance(command, Usage):
                reply.send(command.message)
                _logged(service, actor, "usage", "", result="refused")
                return {"answer": "usage"}
            outcome = _run(service, actor, command, reply)
    except Forbidden as exc:
        reply.send(f":no_entry: {exc.message}")
        return {"answer": "denied"}
    except AuditorError as exc:
        reply.send(f":warning: {exc.message}")
        return {"answer": "error", "error": exc.message}
    return {"answer": outcome}


def _run(service: Service, actor: Actor, command: Command, reply: Answer) -> str:
    store = service.store
    now = datetime.now(UTC)
    if command.verb == "help":
        reply.send(help_text())
        return "help"
    if command.verb == "drift":
        reply.send(blocks.drift_blocks(store.apps(), now=now))
        _logged(service, actor, "drift", "")
        return "drift"
    if command.verb == "status":
        scope = command.scope
        states = [s for s in store.apps() if not scope or scope in (s.name, s.project, s.cluster)]
        reply.send(blocks.status_blocks(states))
        _logged(service, actor, "status", scope)
        return "status"
    assert command.ref is not None
    target = service.target
    space = service.workspace(
        repo=target["repo"],
        revision=target["revision"],
        max_age=service.config.service.git_poll_interval,
    )
    known = [Known(a.name, a.project, a.cluster) for a in space.discovery.apps]
    found = resolve(command.ref, known)
    if not isinstance(found, Resolved):
        reply.send(found.message)
        return "unresolved"
    app = space.app(found.app.name)
    if command.verb == "sync":
        authorize(service, actor, action=SYNC, app=app)  # denied before anything is said
        if service.needs_approval(app) and not command.dry_run:
            ask_approval(service, actor, app.name, prune=command.prune, reply=reply)
            return "approval-requested"
        _sync(service, actor, app.name, command, reply)
        return "sync"
    authorize(service, actor, action=UPDATE if command.verb == "snooze" else GET, app=app)
    if command.verb == "snooze":
        assert command.duration is not None
        until = now + command.duration
        store.snooze(app.name, until=until)
        reply.send(f":zzz: *{app.name}* is snoozed until {until:%Y-%m-%d %H:%M} UTC.")
    elif command.verb == "diff":
        audit_and_record(
            service,
            apps=[app.name],
            repo=target["repo"],
            revision=target["revision"],
            trigger=Trigger.SLACK,
            scoped=True,
            max_age=service.config.service.git_poll_interval,
        )
        state = store.app(app.name)
        if state is None:
            raise AuditorError(f"{app.name} was not recorded")
        url = service.config.web.app_url(app.name)
        reply.send(blocks.app_blocks(state, store.findings(app=app.name), now=now, url=url))
    elif command.verb == "policy":
        found_violations = store.violations(app=app.name)
        lines = [
            f"- *{v.severity}* `{v.policy}` {v.kind}/{v.name}: {blocks.escape(v.message[:200])}"
            for v in found_violations
        ]
        reply.send("\n".join(lines) if lines else f"*{app.name}* breaks no policy.")
    elif command.verb == "history":
        runs = store.runs(app=app.name, limit=10)
        syncs = store.syncs(app=app.name, limit=5)
        lines = [
            f"- audit {r.started_at:%Y-%m-%d %H:%M} ({r.trigger}): {r.sync_status}" for r in runs
        ]
        lines += [f"- sync {s.started_at:%Y-%m-%d %H:%M} by {s.actor}: {s.status}" for s in syncs]
        reply.send("\n".join(lines) if lines else f"No history of *{app.name}* yet.")
    else:  # pr
        runtime.jobs().adopt(app.name, arguments={"user": actor.user, "via": actor.via})
        reply.send(f":memo: Opening the adopt pull request of *{app.name}*...")
    _logged(service, actor, command.verb, app.name)
    return command.verb


def _sync(service: Service, actor: Actor, app: str, command: Command, reply: Answer) -> None:
    """Sync as `actor` under the app's sync lock; "syncing", then the outcome in place."""
    target = service.target
    reply.send(f":hourglass_flowing_sand: Syncing *{app}*...", public=True)
    lease = service.config.service.sync_lease
    with sync_lease(runtime.jobs().redis, app, lease=lease, wait=lease):
        outcome = sync_as(
            service,
            actor,
            app,
            prune=command.prune,
            dry_run=command.dry_run,
            trigger="manual",
            repo=target["repo"],
            revision=target["revision"],
        )
    reply.send(blocks.sync_blocks(outcome.result), public=True, replace=True)


APPROVALS = "gitops-auditor:approval:"
APPROVAL_TTL = 3600  # seconds an approval request stays open


def ask_approval(service: Service, actor: Actor, app: str, *, prune: bool, reply: Answer) -> str:
    """Post an approval request that only another operator of `app` can grant."""
    ident = uuid.uuid4().hex[:16]
    request = {"app": app, "requester": actor.user, "source": actor.source, "prune": prune}
    runtime.jobs().redis.set(APPROVALS + ident, json.dumps(request), ex=APPROVAL_TTL)
    service.store.log(
        LogEntry(actor=actor, action="sync", target=app, result="approval-requested",
                 detail={"approval": ident, "prune": prune}),
        at=datetime.now(UTC),
    )  # fmt: skip
    reply.send(blocks.approval_blocks(app, requester=actor.user, prune=prune, ident=ident),
               public=True)  # fmt: skip
    return ident


def _decide(service: Service, actor: Actor, ident: str, approve: bool, reply: Answer) -> str:
    """Another operator approves (the sync runs, as the requester's) or denies."""
    redis = runtime.jobs().redis
    raw = redis.get(APPROVALS + ident)
    if raw is None:
        reply.send("This approval request was already decided or has expired.")
        return "approval-gone"
    request = json.loads(raw)
    app = service.workspace(**service.target).app(request["app"])
    if actor.user == request["requester"]:
        reply.send(":no_entry: You cannot approve your own sync; another operator must.")
        service.store.log(
            LogEntry(actor=actor, action="approve", target=app.name, result="denied",
                     detail={"approval": ident, "why": "own request"}),
            at=datetime.now(UTC),
        )  # fmt: skip
        return "own-approval"
    authorize(service, actor, action=SYNC, app=app)  # only an operator of this app decides
    if not redis.delete(APPROVALS + ident):
        reply.send("This approval request was already decided.")
        return "approval-gone"
    result = "approved" if approve else "rejected"
    service.store.log(
        LogEntry(actor=actor, action="approve", target=app.name, result=result,
                 detail={"approval": ident, "requester": request["requester"]}),
        at=datetime.now(UTC),
    )  # fmt: skip
    if not approve:
        reply.send(f":x: {actor.user} rejected the sync of *{app.name}*.", public=True,
                   replace=True)  # fmt: skip
        return "rejected"
    requester = Actor(user=request["requester"], via="slack", source=request["source"])
    command = Command(verb="sync", prune=bool(request["prune"]))
    _sync(service, requester, app.name, command, reply)
    return "approved"


def _logged(
    service: Service, actor: Actor, action: str, target: str, *, result: str = "answered"
) -> None:
    service.store.log(
        LogEntry(actor=actor, action=action, target=target, result=result),
        at=datetime.now(UTC),
    )


_GROUPS: dict[tuple[str, str], tuple[float, dict[str, tuple[str, ...]]]] = {}
GROUPS_FOR = 300.0  # seconds a read of the workspace's user groups is reused


def user_groups(service: Service, user: str) -> tuple[str, ...]:
    """`slack-group:<id>` subjects of the user's Slack user groups, when the RBAC policy
    names any (read with `usergroups.list`, once every few minutes)."""
    if "slack-group:" not in service.config.rbac.policy:
        return ()
    settings = SlackSettings.from_env()
    if settings is None or not settings.bot_token:
        return ()
    now = time.monotonic()
    workspace = (settings.api_url, settings.bot_token)
    cached = _GROUPS.get(workspace)
    if cached is None or now - cached[0] > GROUPS_FOR:
        try:
            answer = _web_client().usergroups_list(include_users=True)
        except SlackApiError as exc:
            log.warning("slack: cannot read the user groups: %s", exc.response.get("error"))
            return ()
        members: dict[str, list[str]] = {}
        for group in answer.get("usergroups") or []:
            for member in group.get("users") or []:
                members.setdefault(str(member), []).append(f"slack-group:{group['id']}")
        cached = (now, {k: tuple(v) for k, v in members.items()})
        _GROUPS[workspace] = cached
    return cached[1].get(user, ())


def _web_client() -> WebClient:
    """The bot's Web API client (`SLACK_BOT_TOKEN`, `SLACK_API_URL`)."""
    settings = SlackSettings.from_env()
    if settings is None or not settings.bot_token:
        raise AuditorError("SLACK_BOT_TOKEN is not set: cannot answer in a thread")
    return settings.bot_client()
