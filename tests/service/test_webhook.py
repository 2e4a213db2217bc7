"""The signed webhook notifier against a local receiver that checks the contract (JSON
body, GitHub-style HMAC signature, event and delivery headers): events are delivered in
order, a failed delivery is sent again with the same delivery id, filters apply."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from auditor.config import Config, NotificationsConfig, WebhookSubscription
from auditor.errors import AuditorError
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.service.webhook import webhook_notifiers
from auditor.store import SqlStore
from auditor.store.records import EventType, NewEvent
from tests.helpers.http import serving

pytestmark = pytest.mark.contract
SECRET = "webhook-secret-42"


class Receiver:
    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.fail_next = 0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(self.headers.get("X-GitopsAuditor-Signature-256", ""), want):
                state.problems.append("bad signature")
            if self.headers.get("Content-Type") != "application/json":
                state.problems.append("not JSON")
            data = json.loads(body)
            if self.headers.get("X-GitopsAuditor-Event") != data["type"]:
                state.problems.append("event header")
            state.deliveries.append(
                {"delivery": self.headers.get("X-GitopsAuditor-Delivery"), **data}
            )
            failing = state.fail_next > 0
            state.fail_next -= failing
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield state, f"{url}/hooks/gitops"


def service_for(tmp_path: Path, url: str, **rule: Any) -> Service:
    hooks = (WebhookSubscription(name="sink", url=url, **rule),)
    config = Config(notifications=NotificationsConfig(webhooks=hooks))
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    service = Service(pipeline=Pipeline.from_config(config, cache_dir=tmp_path / "c"), store=store)
    service.notifiers.extend(webhook_notifiers(service))
    return service


def event(service: Service, app: str, kind: EventType) -> int:
    new = NewEvent(app=app, type=kind, fingerprint=f"{app}-{kind}", payload={"since": "x"})
    return service.store.record_event(new, at=datetime.now(UTC)).id


def test_events_are_signed_delivered_and_retried_with_their_delivery_id(
    tmp_path: Path, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITOPS_AUDITOR_WEBHOOK_SECRET", SECRET)
    state, url = receiver
    service = service_for(tmp_path, url)
    first = event(service, "billing", EventType.DRIFT_DETECTED)
    state.fail_next = 1
    failed = service.deliver()
    assert failed.failed == {
        "webhook:sink": "WebhookError: webhook:sink: the receiver answered 500"
    }
    second = event(service, "billing", EventType.DRIFT_RESOLVED)
    delivered = service.deliver()
    assert delivered.sent == {"webhook:sink": 2} and delivered.failed == {}
    assert [(d["delivery"], d["type"]) for d in state.deliveries] == [
        (str(first), "drift-detected"),  # failed
        (str(first), "drift-detected"),  # again, same delivery id
        (str(second), "drift-resolved"),
    ]
    assert state.deliveries[0]["app"] == "billing" and state.deliveries[0]["payload"] == {
        "since": "x"
    }
    assert service.deliver().sent == {"webhook:sink": 0}  # nothing twice
    assert state.problems == []


def test_filters_and_a_missing_secret(
    tmp_path: Path, receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    state, url = receiver
    monkeypatch.delenv("GITOPS_AUDITOR_WEBHOOK_SECRET", raising=False)
    with pytest.raises(AuditorError, match="GITOPS_AUDITOR_WEBHOOK_SECRET is not set"):
        service_for(tmp_path, url)
    monkeypatch.setenv("GITOPS_AUDITOR_WEBHOOK_SECRET", SECRET)
    service = service_for(tmp_path, url, triggers=("sync-failed",), app="pay-*")
    event(service, "pay-api", EventType.DRIFT_DETECTED)  # another trigger
    event(service, "search", EventType.SYNC_FAILED)  # another app
    wanted = event(service, "pay-api", EventType.SYNC_FAILED)
    service.deliver()
    assert [d["delivery"] for d in state.deliveries] == [str(wanted)]
