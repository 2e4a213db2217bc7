"""`/slack/events` on the web app: slack_bolt, through its Flask adapter, verifies each
request (Slack's v0 HMAC signature over the timestamp and body, within 5 minutes) and
hands here `/gitops` commands, @-mentions (answered in their thread) and message buttons
(Sync now, Show diff, Open PR, Snooze 24h, Approve, Reject). A command is acked at once,
well inside Slack's 3 s: bad text gets its usage (ephemeral, nothing enqueued); a good
one is enqueued as a job that a worker runs and answers on the command's `response_url`.
Rejected requests are counted and logged without the secret or the token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, request
from redis.exceptions import RedisError
from slack_bolt import Ack, App, BoltResponse
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from auditor.errors import AuditorError
from auditor.logs import current_request_id
from auditor.store.records import LogEntry
from bot.context import Context
from bot.slack.commands import MAX_TEXT, Usage, help_text, parse, parse_ref, slack_actor
from bot.slack.settings import SlackSettings

log = logging.getLogger(__name__)
COMMAND = "/gitops"
SEEN = "gitops-auditor:slack-seen:"
REPLAY_WINDOW = 6 * 60  # seconds: Slack's 5-minute window, and a minute of clock skew


def install(app: Flask, context: Context, settings: SlackSettings) -> None:
    """Mount the Slack endpoint on `app`."""

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # One workspace, one bot token: no auth.test round trip to Slack per request, so
        # the ack never waits on Slack's API (and web starts with Slack unreachable).
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=settings.bot_token or None
        )

    bolt = App(
        signing_secret=settings.signing_secret or None,
        request_verification_enabled=bool(settings.signing_secret),  # Socket Mode alone
        authorize=authorize,
        client=WebClient(base_url=settings.api_url),
        process_before_response=True,  # the ack is the HTTP answer; nothing runs after it
        raise_error_for_unhandled_request=False,
    )
    bolt.command(COMMAND)(_on_command(context))
    bolt.action(re.compile(r"^gitops_"))(_on_action(context))
    bolt.event("app_mention")(_on_mention(context))
    bolt.error(_on_error)
    handler = SlackRequestHandler(bolt)
    rejected = {"count": 0}
    blueprint = Blueprint("slack", __name__)

    verifier = SignatureVerifier(settings.signing_secret or "unused")

    @blueprint.post("/slack/events")
    def events() -> Response:
        body = request.get_data(as_text=True)
        signature = request.headers.get("X-Slack-Signature", "")
        if verifier.is_valid_request(body, dict(request.headers)) and not _first_time(
            context, signature
        ):
            rejected["count"] += 1
            log.warning("slack: rejected a replayed request")
            return Response("replayed", status=401)
        response: Response = handler.handle(request)
        if response.status_code == 401:
            rejected["count"] += 1
            log.warning("slack: rejected a request with a bad or stale signature")
        return response

    app.extensions["gitops-auditor-slack-rejected"] = rejected
    if settings.signing_secret:
        app.register_blueprint(blueprint)
    if settings.app_token:
        # Socket Mode: Slack sends the same requests over a WebSocket this process opens
        # (no public URL needed); the listeners above answer them the same way.
        socket = SocketModeHandler(
            bolt, app_token=settings.app_token, web_client=WebClient(base_url=settings.api_url)
        )
        socket.connect()  # type: ignore[no-untyped-call]  # background threads; reconnects
        app.extensions["gitops-auditor-slack-socket"] = socket


def _first_time(context: Context, signature: str) -> bool:
    """Whether this signed request is new (Slack signs each delivery once; the same one
    again within the 5-minute window is a replay). Without Redis, the request goes on."""
    try:
        return bool(context.jobs.redis.set(SEEN + signature, 1, nx=True, ex=REPLAY_WINDOW))
    except RedisError:
        return True


def _log_refused(context: Context, command: dict[str, Any]) -> None:
    """A command refused as bad text, in the audit log (never failing the ack)."""
    actor = slack_actor(str(command.get("user_id") or ""), str(command.get("channel_id") or ""))
    try:
        context.service.store.log(
            LogEntry(actor=actor, action="usage", result="refused"), at=datetime.now(UTC)
        )
    except AuditorError as exc:
        log.warning("slack: cannot log a refused command: %s", exc.message)


def _on_command(context: Context) -> Callable[..., None]:
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        text = str(command.get("text") or "")
        parsed = parse(text)
        if isinstance(parsed, Usage):
            ack(response_type="ephemeral", text=parsed.message)
            _log_refused(context, command)
            return
        if parsed.verb == "help":
            ack(response_type="ephemeral", text=help_text())
            return
        context.jobs.chat_command(
            request_id=current_request_id(),
            arguments={
                "text": text,
                "user": str(command.get("user_id") or ""),
                "channel": str(command.get("channel_id") or ""),
                "response_url": str(command.get("response_url") or ""),
            },
        )
        ack(response_type="ephemeral", text=f"Working on `{COMMAND} {text.strip()}`...")

    return on_command


BUTTONS = {  # a message's buttons, as the command each stands for
    "gitops_sync": "sync {}",
    "gitops_diff": "diff {}",
    "gitops_pr": "pr {}",
    "gitops_snooze": "snooze {} 24h",
}
DECISIONS = {"gitops_approve": "approve", "gitops_reject": "reject"}
_APPROVAL = re.compile(r"^[0-9a-f]{16}$")


def _on_action(context: Context) -> Callable[..., None]:
    def on_action(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        action_id, value = str(action.get("action_id")), str(action.get("value") or "")
        if action_id in DECISIONS and _APPROVAL.match(value):
            arguments: dict[str, str] = {"approval": value, "decision": DECISIONS[action_id]}
        elif action_id in BUTTONS and parse_ref(value) is not None:
            arguments = {"text": BUTTONS[action_id].format(value)}
        else:
            log.warning("slack: ignored the action %s", action_id[:40])
            return
        context.jobs.chat_command(
            request_id=current_request_id(),
            arguments={
                **arguments,
                "user": str((body.get("user") or {}).get("id") or ""),
                "channel": str((body.get("channel") or {}).get("id") or ""),
                "response_url": str(body.get("response_url") or ""),
            },
        )

    return on_action


_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def _on_mention(context: Context) -> Callable[..., None]:
    def on_mention(body: dict[str, Any], event: dict[str, Any]) -> None:
        """`@gitops-auditor diff my-api`: the same verbs, answered in the thread."""
        text = _MENTION.sub(" ", str(event.get("text") or "")).strip()[: MAX_TEXT + 1]
        thread = str(event.get("thread_ts") or event.get("ts") or "")
        if not thread or event.get("bot_id"):
            return  # not a person's message
        context.jobs.chat_command(
            request_id=str(body.get("event_id") or current_request_id()),
            arguments={
                "text": text,
                "user": str(event.get("user") or ""),
                "channel": str(event.get("channel") or ""),
                "response_url": "",
                "thread": thread,
            },
        )

    return on_mention


def _on_error(error: Exception) -> BoltResponse:
    log.error("slack: %s: %s", type(error).__name__, error)
    return BoltResponse(status=500, body="")
