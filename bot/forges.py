"""`/webhooks/github` and `/webhooks/gitlab` on the web app: the forges tell of pushes and
pull (merge) requests, and the service audits and gates them without polling.

Each endpoint is mounted only when its secret is set (read once, at app creation):
GitHub's from `GITOPS_AUDITOR_GITHUB_WEBHOOK_SECRET` (each delivery signed
`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`), GitLab's from
`GITOPS_AUDITOR_GITLAB_WEBHOOK_TOKEN` (sent back as `X-Gitlab-Token`); either also as
`<NAME>_FILE`. A verified delivery is remembered by its id (GitHub's `X-GitHub-Delivery`,
GitLab's `X-Gitlab-Event-UUID` or `Idempotency-Key`) and the same id again is a replay
(409). A push to the audited branch enqueues one job that audits the apps it changes;
an opened or updated PR enqueues the policy gate (a commit status and one comment, see
`auditor.service.pr_check`). Views never run Git or audits: they enqueue and answer 202.
Other events are accepted and ignored. Every refusal is one JSON shape,
`{"error": {"code", "message"}}`, and is logged without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from redis.exceptions import RedisError

from auditor.errors import AuditorError
from auditor.jobs.queues import Enqueued
from auditor.secretenv import read_secret
from bot.context import Context

log = logging.getLogger(__name__)
GITHUB_SECRET = "GITOPS_AUDITOR_GITHUB_WEBHOOK_SECRET"
GITLAB_TOKEN = "GITOPS_AUDITOR_GITLAB_WEBHOOK_TOKEN"
# GitHub's pull_request actions that change what the gate sees; GitLab's merge request
# actions likewise (`update` only with `oldrev`: new commits, not a new title).
GITHUB_PR_ACTIONS = {"opened", "synchronize", "reopened"}
GITLAB_MR_ACTIONS = {"open", "reopen", "update"}
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")  # SHA-1 or SHA-256 repositories
MAX_ID = 200  # characters of a delivery id kept


class Refused(Exception):
    """A delivery answered with an error: its HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def install(app: Flask, context: Context) -> None:
    """Mount the forges' webhook endpoints whose secrets are set."""
    github = read_secret(GITHUB_SECRET)
    gitlab = read_secret(GITLAB_TOKEN)
    if not github and not gitlab:
        return
    blueprint = Blueprint("forges", __name__)
    # No CSRF exemption needed: the app checks CSRF only where a session can write.
    for forge, secret, handle in (("github", github, _github), ("gitlab", gitlab, _gitlab)):
        if secret:
            blueprint.add_url_rule(
                f"/webhooks/{forge}",
                forge,
                _endpoint(context, forge, partial(handle, context, secret)),
                methods=["POST"],
            )
    app.register_blueprint(blueprint)


def _endpoint(
    context: Context, forge: str, handle: Callable[[], tuple[int, dict[str, Any]]]
) -> Callable[[], Response]:
    def view() -> Response:
        try:
            status, body = handle()
        except Refused as exc:
            log.warning(
                "%s webhook: refused a delivery (%s, %s): %s",
                forge,
                _header("X-GitHub-Event" if forge == "github" else "X-Gitlab-Event")[:60],
                _delivery_id(forge)[:MAX_ID] or "no id",
                exc.code,
            )
            if exc.code == "queue-unavailable":  # nothing was done: a redelivery is welcome
                _forget(context, forge)
            status, body = exc.status, {"error": {"code": exc.code, "message": exc.message}}
        response = jsonify(body)
        response.status_code = status
        return response

    return view


# ---- GitHub ---------------------------------------------------------------------------
def _github(context: Context, secret: str) -> tuple[int, dict[str, Any]]:
    raw = request.get_data(cache=True)
    signature = _header("X-Hub-Signature-256")
    if not signature:
        raise Refused(401, "missing-signature", "X-Hub-Signature-256 is missing")
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise Refused(401, "bad-signature", "X-Hub-Signature-256 does not match the body")
    event = _header("X-GitHub-Event")
    payload = _first(context, "github", event, raw)
    if event == "ping":
        return 200, {"ok": True}
    if event == "push":
        repository = _mapping(payload.get("repository"))
        return _push(context, "github", payload, default=_text(repository, "default_branch"))
    if event == "pull_request":
        return _github_pull(context, payload)
    return 202, {"ignored": True, "event": event[:60]}


def _github_pull(context: Context, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    action = _text(payload, "action")
    changes = _mapping(payload.get("changes"))
    if action not in GITHUB_PR_ACTIONS and not (action == "edited" and "base" in changes):
        return 202, {"ignored": True, "event": "pull_request", "action": action[:60]}
    pull = _mapping(payload.get("pull_request"))
    number = payload.get("number", pull.get("number"))
    head = _text(_mapping(pull.get("head")), "sha")
    base = _text(_mapping(pull.get("base")), "sha")
    if not isinstance(number, int) or not _SHA.match(head) or not _SHA.match(base):
        raise Refused(400, "bad-payload", "pull_request needs a number and head and base SHAs")
    return _gate(context, "github", number=number, base=base, head=head)


# ---- GitLab ---------------------------------------------------------------------------
def _gitlab(context: Context, token: str) -> tuple[int, dict[str, Any]]:
    given = _header("X-Gitlab-Token")
    if not given:
        raise Refused(401, "missing-token", "X-Gitlab-Token is missing")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise Refused(401, "bad-token", "X-Gitlab-Token is not the configured token")
    event = _header("X-Gitlab-Event")
    payload = _first(context, "gitlab", event, request.get_data(cache=True))
    if event == "Push Hook":
        project = _mapping(payload.get("project"))
        return _push(context, "gitlab", payload, default=_text(project, "default_branch"))
    if event == "Merge Request Hook":
        return _gitlab_merge_request(context, payload)
    return 202, {"ignored": True, "event": event[:60]}


def _gitlab_merge_request(
    context: Context, payload: Mapping[str, Any]
) -> tuple[int, dict[str, Any]]:
    attributes = _mapping(payload.get("object_attributes"))
    action = _text(attributes, "action")
    if action not in GITLAB_MR_ACTIONS or (action == "update" and not attributes.get("oldrev")):
        return 202, {"ignored": True, "event": "Merge Request Hook", "action": action[:60]}
    number = attributes.get("iid")
    head = _text(_mapping(attributes.get("last_commit")), "id")
    base = _text(attributes, "target_branch")
    if not isinstance(number, int) or not _SHA.match(head) or not base:
        raise Refused(
            400, "bad-payload", "a merge request needs an iid, last_commit.id and target_branch"
        )
    return _gate(context, "gitlab", number=number, base=base, head=head)


# ---- both -----------------------------------------------------------------------------
def _first(context: Context, forge: str, event: str, raw: bytes) -> Mapping[str, Any]:
    """The verified delivery's payload, once: its id is remembered, and seen before it is
    a replay. Deliveries with no id, or a body that is no JSON object, are refused."""
    delivery = _delivery_id(forge)
    if not delivery:
        raise Refused(400, "missing-delivery", "the delivery has no id header")
    if len(delivery) > MAX_ID:
        raise Refused(400, "bad-delivery", f"the delivery id is longer than {MAX_ID} characters")
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise Refused(400, "bad-payload", "the body is not a JSON object")
    try:
        first = context.service.store.first_delivery(
            forge=forge, delivery=delivery, event=event[:60], at=datetime.now(UTC)
        )
    except AuditorError as exc:
        log.error("%s webhook: cannot remember delivery %s: %s", forge, delivery, exc.message)
        raise Refused(503, "store-unavailable", "the store cannot be reached") from exc
    if not first:
        raise Refused(409, "replayed", f"delivery {delivery} was received before")
    return payload


def _push(
    context: Context, forge: str, payload: Mapping[str, Any], *, default: str
) -> tuple[int, dict[str, Any]]:
    ref, before, after = (_text(payload, k) for k in ("ref", "before", "after"))
    branch = context.service.target["revision"] or default
    if not branch or ref != f"refs/heads/{branch}":
        return 202, {"ignored": True, "ref": ref[:200], "reason": "not the audited branch"}
    if not _SHA.match(before) or not _SHA.match(after):
        raise Refused(400, "bad-payload", "a push needs before and after SHAs")
    if not after.strip("0"):
        return 202, {"ignored": True, "ref": ref, "reason": "the branch was deleted"}
    enqueued = _enqueue(lambda: context.jobs.push(before=before, after=after, ref=ref, forge=forge))
    return 202, {"accepted": True, "job": enqueued.id}


def _gate(
    context: Context, forge: str, *, number: int, base: str, head: str
) -> tuple[int, dict[str, Any]]:
    enqueued = _enqueue(
        lambda: context.jobs.pull_request(forge=forge, number=number, base=base, head=head)
    )
    return 202, {"accepted": True, "job": enqueued.id}


def _enqueue(put: Callable[[], Enqueued]) -> Enqueued:
    try:
        return put()
    except RedisError as exc:
        log.error("webhook: cannot enqueue: %s", exc)
        raise Refused(503, "queue-unavailable", "the job queue cannot be reached") from exc


def _forget(context: Context, forge: str) -> None:
    try:
        context.service.store.forget_delivery(forge=forge, delivery=_delivery_id(forge))
    except AuditorError as exc:
        log.error("%s webhook: cannot forget a delivery: %s", forge, exc.message)


def _delivery_id(forge: str) -> str:
    if forge == "github":
        return _header("X-GitHub-Delivery")
    return _header("X-Gitlab-Event-UUID") or _header("Idempotency-Key")


def _header(name: str) -> str:
    return request.headers.get(name, "").strip()


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""
