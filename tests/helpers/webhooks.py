"""Forge webhook deliveries for the tests: the example payloads of `tests/data/webhooks`
with only the fields that must name the test repository patched, signed (GitHub) or
carrying the token (GitLab) as each forge sends them, and posted to the app."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import WEBHOOKS, load

GITHUB_SECRET = "It's a Secret to Everybody"
GITLAB_TOKEN = "gitlab-webhook-token-0123"
ZERO = "0" * 40


def payload(forge: str, name: str) -> dict[str, Any]:
    """A fresh copy of `tests/data/webhooks/<forge>/<name>.json`."""
    return copy.deepcopy(load(WEBHOOKS / forge / f"{name}.json"))


def github_push(*, ref: str, before: str, after: str) -> dict[str, Any]:
    data = payload("github", "push")
    data.update(ref=ref, before=before, after=after)
    return data


def github_pull(action: str, *, number: int, base: str, head: str) -> dict[str, Any]:
    data = payload("github", f"pull_request.{action}")
    data["number"] = number
    data["pull_request"]["number"] = number
    data["pull_request"]["head"]["sha"] = head
    data["pull_request"]["base"]["sha"] = base
    return data


def gitlab_push(*, ref: str, before: str, after: str) -> dict[str, Any]:
    data = payload("gitlab", "push")
    data.update(ref=ref, before=before, after=after, checkout_sha=after)
    return data


def gitlab_merge_request(action: str, *, iid: int, target: str, head: str) -> dict[str, Any]:
    data = payload("gitlab", f"merge_request.{action}")
    attributes = data["object_attributes"]
    attributes.update(iid=iid, target_branch=target)
    attributes["last_commit"]["id"] = head
    return data


def github_signature(body: bytes, secret: str = GITHUB_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_github(
    client: FlaskClient,
    event: str,
    data: dict[str, Any],
    *,
    delivery: str | None = None,
    signature: str | None = None,
    secret: str = GITHUB_SECRET,
) -> TestResponse:
    """POST `data` as GitHub delivers it: `signature` None signs it, "" leaves it out."""
    body = json.dumps(data).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": str(uuid.uuid4()) if delivery is None else delivery,
        "X-GitHub-Hook-ID": "1",
        "User-Agent": "GitHub-Hookshot/0000000",
    }
    sig = github_signature(body, secret) if signature is None else signature
    if sig:
        headers["X-Hub-Signature-256"] = sig
    return client.post(
        "/webhooks/github", data=body, headers=headers, content_type="application/json"
    )


def post_gitlab(
    client: FlaskClient,
    event: str,
    data: dict[str, Any],
    *,
    delivery: str | None = None,
    token: str | None = GITLAB_TOKEN,
    id_header: str = "X-Gitlab-Event-UUID",
) -> TestResponse:
    """POST `data` as GitLab delivers it (`token` None leaves the token out)."""
    headers = {"X-Gitlab-Event": event, "User-Agent": "GitLab/18.0.0"}
    ident = str(uuid.uuid4()) if delivery is None else delivery
    if ident:
        headers[id_header] = ident
    if token is not None:
        headers["X-Gitlab-Token"] = token
    return client.post(
        "/webhooks/gitlab", data=json.dumps(data), headers=headers, content_type="application/json"
    )
