"""The generic webhook notifier: each event POSTed as JSON to a URL, signed the way GitHub
signs its webhooks, so receivers can reuse their verification code:
`X-GitopsAuditor-Signature-256: sha256=<HMAC-SHA256 of the body, hex>`, with the event
type in `X-GitopsAuditor-Event` and the event id in `X-GitopsAuditor-Delivery` (the same
on a retry: a receiver drops what it has seen). A 2xx answer is delivered; anything else
raises, and the event is sent again at the next delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from auditor.errors import AuditorError
from auditor.secretenv import read_secret
from auditor.store.records import Event, EventType

if TYPE_CHECKING:
    from auditor.config import WebhookSubscription
    from auditor.service.service import Service

USER_AGENT = "gitops-auditor-webhook/1"


class WebhookError(AuditorError):
    """The receiver did not take the event (it is sent again later)."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def event_body(event: Event, *, project: str, cluster: str) -> bytes:
    return json.dumps(
        {
            "id": event.id,
            "type": str(event.type),
            "app": event.app,
            "project": project,
            "cluster": cluster,
            "fingerprint": event.fingerprint,
            "at": event.at.isoformat(),
            "payload": dict(event.payload),
        },
        sort_keys=True,
        default=str,
    ).encode()


class WebhookNotifier:
    def __init__(self, service: Service, subscription: WebhookSubscription, *, timeout: float):
        self.service = service
        self.subscription = subscription
        self.name = f"webhook:{subscription.name}"
        self.secret = read_secret(subscription.secret_env)
        self.timeout = timeout
        if not self.secret:
            raise AuditorError(
                f"notifications.webhooks {subscription.name}: ${subscription.secret_env} "
                "is not set (every delivery is signed)"
            )

    def send(self, event: Event) -> None:
        rule = self.subscription
        state = self.service.store.app(event.app)
        project, cluster = (state.project, state.cluster) if state else ("", "")
        if rule.triggers and str(event.type) not in rule.triggers:
            return
        if not rule.triggers and event.type == EventType.DAILY_DIGEST:
            return  # a Slack digest's cue: only for a webhook that asks for it
        if not (
            fnmatchcase(event.app, rule.app)
            and fnmatchcase(project, rule.project)
            and fnmatchcase(cluster, rule.cluster)
        ):
            return
        body = event_body(event, project=project, cluster=cluster)
        request = urllib.request.Request(
            rule.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-GitopsAuditor-Event": str(event.type),
                "X-GitopsAuditor-Delivery": str(event.id),
                "X-GitopsAuditor-Signature-256": signature(self.secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise WebhookError(f"{self.name}: the receiver answered {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise WebhookError(f"{self.name}: {getattr(exc, 'reason', exc)}") from exc


def webhook_notifiers(service: Service) -> list[WebhookNotifier]:
    """One notifier per `notifications.webhooks` entry."""
    timeout = service.config.timeouts.forge_seconds
    return [
        WebhookNotifier(service, s, timeout=timeout) for s in service.config.notifications.webhooks
    ]
