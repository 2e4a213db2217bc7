"""The values the store keeps and gives back: an app's latest state, audit runs, findings
with their age, sync operations, pull requests, events and audit-log entries. Frozen
dataclasses, so the service, the bot and the web read the store without its tables.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Trigger(StrEnum):
    """What started an audit."""

    SCHEDULE = "schedule"
    WATCH = "watch"
    WEBHOOK = "webhook"
    POLL = "poll"
    CLI = "cli"
    SLACK = "slack"
    API = "api"


class EventType(StrEnum):
    """Transitions between runs, and outcomes of actions: what notifiers send."""

    DRIFT_DETECTED = "drift-detected"
    DRIFT_RESOLVED = "drift-resolved"
    APP_UNKNOWN = "app-unknown"
    SYNC_SUCCEEDED = "sync-succeeded"
    SYNC_FAILED = "sync-failed"
    POLICY_VIOLATION_NEW = "policy-violation-new"
    AUTO_HEAL_BLOCKED = "auto-heal-blocked"
    DRIFT_STILL_OPEN = "drift-still-open"  # a reminder: drifted for longer than an age
    DAILY_DIGEST = "daily-digest"  # time for the digest channels' summary (app "")


class FindingKind(StrEnum):
    DRIFT = "drift"  # a field differs (or Git dropped it)
    UNMANAGED = "unmanaged"  # a field only live, written by a person
    MISSING = "missing"  # in Git, not live
    EXTRA = "extra"  # live, tracked, not in Git


@dataclass(frozen=True)
class Actor:
    """Who asked for something, through what, and from where (for the audit log)."""

    user: str  # an RBAC subject for the bot and web: `slack:U123`, `user:alice`, `token:ci`
    via: str  # cli, slack, web, api, service
    source: str = ""
    groups: tuple[str, ...] = ()  # further subjects: `slack-group:S1`, `slack-channel:C1`

    @property
    def subjects(self) -> tuple[str, ...]:
        return (self.user, *self.groups)


SERVICE = Actor(user="gitops-auditor", via="service")


def local_operator() -> Actor:
    """The person at this terminal, for what they do through the CLI."""
    return Actor(user=f"user:{getpass.getuser()}", via="cli", source=socket.gethostname())


@dataclass(frozen=True)
class AppState:
    """An app's latest status as the store remembers it."""

    name: str
    project: str
    cluster: str
    namespace: str
    path: str
    mode: str
    sync_status: str
    health_status: str
    error: str | None
    revision: str
    drift_fingerprint: str
    drift_since: datetime | None
    snoozed_until: datetime | None
    last_run_id: int | None
    updated_at: datetime
    health_message: str = ""


@dataclass(frozen=True)
class Finding:
    """One field (or object) out of line with Git, with its age."""

    app: str
    fingerprint: str
    finding: FindingKind
    group: str
    kind: str
    namespace: str
    name: str
    path: str
    desired: Any
    live: Any
    manager: str
    changed_at: str
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None

    @property
    def resource(self) -> str:
        gk = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{gk} {self.namespace}/{self.name}" if self.namespace else f"{gk} {self.name}"


@dataclass(frozen=True)
class StoredViolation:
    app: str
    fingerprint: str
    policy: str
    severity: str
    message: str
    kind: str
    namespace: str
    name: str
    waived: bool
    first_seen: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class AuditRun:
    id: int
    app: str
    cluster: str
    trigger: str
    revision: str
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    api_requests: int
    sync_status: str
    error: str | None
    drifted: int
    unmanaged: int
    job_id: str = ""


@dataclass(frozen=True)
class SyncOp:
    id: int
    app: str
    cluster: str
    actor: str
    via: str
    trigger: str
    dry_run: bool
    prune: bool
    status: str  # running, succeeded, failed, blocked
    started_at: datetime
    finished_at: datetime | None
    blocked_by: str | None
    error: str | None
    sync_status: str
    actions: tuple[Mapping[str, Any], ...]
    job_id: str = ""


@dataclass(frozen=True)
class StoredPullRequest:
    id: int
    app: str
    fingerprint: str
    branch: str
    url: str
    number: int
    created: bool
    error: str | None
    at: datetime


@dataclass(frozen=True)
class Event:
    id: int
    app: str
    type: EventType
    fingerprint: str
    payload: Mapping[str, Any]
    at: datetime


@dataclass(frozen=True)
class SentMessage:
    """A message a notifier sent: its id there (Slack's ts) and the last event it shows."""

    message: str
    event_id: int


@dataclass(frozen=True)
class NewEvent:
    """An event to store (its id and time are the store's)."""

    app: str
    type: EventType
    fingerprint: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogEntry:
    """One line of the append-only audit log: who did what, from where, with what result."""

    actor: Actor
    action: str
    target: str = ""
    result: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int = 0
    at: datetime | None = None


@dataclass(frozen=True)
class RunContext:
    """How an audit came to be: its trigger, job, timing and cost (stored with the run)."""

    trigger: Trigger
    started_at: datetime
    finished_at: datetime
    api_requests: int = 0
    job_id: str = ""
    mode: str = "report"
    # The (group, kind)s a scoped audit read; None: everything. Findings of other types
    # are neither refreshed nor resolved by it, and still count for the app's status.
    read_types: frozenset[tuple[str, str]] | None = None


@dataclass(frozen=True)
class Recorded:
    """What storing one audit did: the run's id and the events it emitted."""

    run_id: int
    events: tuple[Event, ...]


@dataclass(frozen=True)
class ApiToken:
    """A bearer token of the API (the store keeps its SHA-256, never the token)."""

    name: str
    role: str  # the RBAC subject it acts as: role:readonly, role:ops, role:admin...
    created_at: datetime
    last_used_at: datetime | None = None
    revoked: bool = False


@dataclass(frozen=True)
class AppSummary:
    """An app's row on the dashboard: its state and the counts of what is open."""

    state: AppState
    findings: Mapping[str, int]  # by finding kind (drift, unmanaged, missing, extra)
    violations: Mapping[str, int]  # by severity, waived ones left out

    @property
    def drifted(self) -> int:
        return sum(n for kind, n in self.findings.items() if kind != FindingKind.UNMANAGED)


@dataclass(frozen=True)
class ClusterDrift:
    """How many of a cluster's apps were drifted at each point of a time window."""

    cluster: str
    points: tuple[tuple[datetime, int], ...]
