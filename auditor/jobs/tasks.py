"""The RQ job functions: thin, idempotent, primitive arguments, at importable paths. Each
releases its pending key as it starts, calls the service, and enqueues what follows
(heals and adopt PRs of drifted apps, the delivery of new events).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError

from auditor.errors import AppNotFound, AuditorError
from auditor.jobs import metrics, runtime
from auditor.jobs.locks import held, sync_lease
from auditor.model import AuditStats
from auditor.service.operations import AuditedApp, adopt_as, audit_and_record, sync_as
from auditor.store.records import SERVICE, Actor, EventType, LogEntry, NewEvent, Trigger

log = logging.getLogger(__name__)


def _actor(user: str, via: str, source: str = "", groups: Sequence[str] = ()) -> Actor:
    return Actor(user=user, via=via, source=source, groups=tuple(groups))


def run_round(
    *, cluster: str, revision: str | None, trigger: str, pending: str = ""
) -> dict[str, Any]:
    """A full round of one cluster: one read of each type, every app on it audited."""
    runtime.jobs().release(pending)
    service = runtime.service()
    target = service.target
    try:
        audited = audit_and_record(
            service,
            cluster=cluster,
            repo=target["repo"],
            revision=revision or target["revision"],
            trigger=Trigger(trigger),
            observe=_observer(round_of=cluster),
        )
    except Exception:
        # One app that breaks the round must not hide the others: audit each on its own,
        # so the broken one fails alone and visibly.
        log.exception("round of %s failed; auditing its apps one by one", cluster)
        space = service.workspace(
            repo=target["repo"],
            revision=revision or target["revision"],
            max_age=service.config.service.git_poll_interval,  # the read the round just made
        )
        for app in space.discovery.apps:
            if app.cluster == cluster:
                runtime.jobs().audit_app(app.name, revision=revision, trigger=trigger)
        raise
    _after(audited)
    return _summary(audited, cluster=cluster)


def run_app_audit(
    *,
    app: str,
    revision: str | None,
    trigger: str,
    request_id: str = "",
    pending: str = "",
) -> dict[str, Any]:
    """One app, reading only its objects (watch, webhook, poll, Slack)."""
    runtime.jobs().release(pending)
    service = runtime.service()
    target = service.target
    try:
        audited = audit_and_record(
            service,
            apps=[app],
            repo=target["repo"],
            revision=revision or target["revision"],
            trigger=Trigger(trigger),
            scoped=True,
            # Between polls the repo is read once: the poll audits a new commit by its SHA.
            max_age=service.config.service.git_poll_interval,
            observe=_observer(),
        )
    except AppNotFound:
        return {"app": app, "gone": True}  # removed from Git since it was enqueued
    _after(audited)
    return _summary(audited, request_id=request_id)


def run_sync(
    *,
    app: str,
    user: str,
    via: str,
    source: str = "",
    groups: Sequence[str] = (),
    trigger: str = "manual",
    prune: bool = False,
    dry_run: bool = False,
    revision: str | None = None,
    attempt: int = 1,
    request_id: str = "",
    pending: str = "",
) -> dict[str, Any]:
    """One sync of one app under its lease lock (one at a time per app)."""
    jobs = runtime.jobs()
    jobs.release(pending)
    service = runtime.service()
    config = service.config.service
    target = service.target
    actor = _actor(user, via, source, groups)
    with sync_lease(jobs.redis, app, lease=config.sync_lease, wait=config.sync_lease):
        try:
            outcome = sync_as(
                service,
                actor,
                app,
                prune=prune,
                dry_run=dry_run,
                trigger=trigger,
                repo=target["repo"],
                revision=revision or target["revision"],
                job_id=_current_job_id(),
            )
        except AuditorError:
            _count("syncs_total", result="failed")
            raise
    if outcome.events:
        jobs.notify()
    result = outcome.result
    if not dry_run:
        done = "succeeded" if result.done else "blocked" if result.blocked_by else "failed"
        _count("syncs_total", result=done)
    return {
        "app": app,
        "op": outcome.op_id,
        "attempt": attempt,
        "done": result.done,
        "sync": str(result.sync),
        "blocked_by": result.blocked_by,
        "actions": [
            {"resource": str(a.key), "action": str(a.action), "reason": a.reason}
            for a in result.actions
        ],
        "request_id": request_id,
    }


def run_adopt(
    *, app: str, user: str, via: str, revision: str | None = None, pending: str = ""
) -> dict[str, Any]:
    runtime.jobs().release(pending)
    service = runtime.service()
    settings = service.config.remediation.forge
    target = service.target
    if settings is None:
        return {"app": app, "error": "remediation.forge is not configured"}
    from auditor.forge.factory import forge_from_config

    result = adopt_as(
        service,
        _actor(user, via),
        app,
        remote=settings.remote or target["repo"] or "",
        base_branch=settings.base_branch,
        forge=forge_from_config(settings),
        repo=target["repo"],
        revision=revision or target["revision"],
    )
    if result.created:
        _count("pull_requests_opened_total")
    return {"app": app, "branch": result.branch, "url": result.pr_url, "error": result.error}


def deliver_events(*, pending: str = "") -> dict[str, Any]:
    """Send the events the notifiers have not sent yet (see the service's notifiers)."""
    runtime.jobs().release(pending)
    delivery = runtime.service().deliver()
    for notifier, sent in delivery.sent.items():
        if sent:
            _count("notifications_total", sent, notifier=notifier, result="sent")
    for notifier in delivery.failed:
        _count("notifications_total", notifier=notifier, result="failed")
    return {"delivered": delivery.total, "failed": dict(delivery.failed)}


def remind_open_drift(*, at: str = "") -> dict[str, Any]:
    """The scheduler's reminder check: `drift-still-open` events for drift past its ages
    (`at`, ISO time, stands in for now in tests)."""
    from auditor.service.reminders import remind

    events = remind(runtime.service(), now=datetime.fromisoformat(at) if at else None)
    if events:
        runtime.jobs().notify()
    return {"reminders": [e.app for e in events]}


def daily_digest(*, at: str = "") -> dict[str, Any]:
    """The scheduler's digest time: one `daily-digest` event a day, that the notifiers
    turn into each digest channel's summary (`at`, ISO time, stands in for now)."""
    moment = datetime.fromisoformat(at) if at else datetime.now(UTC)
    store = runtime.service().store
    day = moment.date().isoformat()
    if day in store.event_fingerprints(EventType.DAILY_DIGEST, apps=[""]):
        return {"digest": day, "new": False}
    new = NewEvent(app="", type=EventType.DAILY_DIGEST, fingerprint=day, payload={"day": day})
    store.record_event(new, at=moment)
    runtime.jobs().notify()
    return {"digest": day, "new": True}


def plan_rounds(*, trigger: str = "schedule") -> list[str]:
    """The scheduler's periodic job: one round per cluster that apps use."""
    service = runtime.service()
    target = service.target
    space = service.workspace(repo=target["repo"], revision=target["revision"])
    clusters = sorted({a.cluster for a in space.discovery.apps if not a.error})
    jobs = runtime.jobs()
    return [jobs.round(c, revision=target["revision"], trigger=trigger).id for c in clusters]


def poll_git() -> dict[str, Any]:
    """The cheap poll: `ls-remote` the audited revision; when it moved, audit just the
    apps the change affects."""
    service = runtime.service()
    target = service.target
    repo, ref = target["repo"] or ".", target["revision"] or "HEAD"
    sha = service.pipeline.sources.remote_head(repo, ref)
    store = service.store
    before = store.head(repo=repo, ref=ref)
    if before == sha:
        return {"changed": False, "sha": sha}
    store.set_head(repo=repo, ref=ref, sha=sha, at=datetime.now(UTC))
    if before is None:
        return {"changed": False, "sha": sha, "first": True}  # the rounds cover it all
    names = audit_change(base=before, head=sha, trigger=Trigger.POLL)
    return {"changed": True, "sha": sha, "apps": names}


def audit_change(*, base: str, head: str, trigger: Trigger) -> list[str]:
    """Enqueue an audit of each app whose desired state `base..head` of the audited repo
    changes, at `head` (the poll's and a push webhook's way in); returns their names."""
    from auditor.pipeline.check import affected_apps

    service = runtime.service()
    target = service.target
    names = affected_apps(service.pipeline, repo=target["repo"] or ".", base=base, head=head)
    jobs = runtime.jobs()
    # The new commit by its SHA (a working tree, with no revision, is read as it is).
    revision = head if target["revision"] else None
    for name in names:
        jobs.audit_app(name, revision=revision, trigger=str(trigger))
    return names


def run_push(*, before: str, after: str, ref: str, forge: str, pending: str = "") -> dict[str, Any]:
    """A push to the audited branch that a forge's webhook told of: the apps `before..after`
    affects are audited at `after`; a new branch (`before` all zeros) gets a round of
    every cluster. The poll, seeing the same head afterwards, audits nothing again."""
    runtime.jobs().release(pending)
    service = runtime.service()
    target = service.target
    summary: dict[str, Any] = {"forge": forge, "ref": ref, "before": before, "after": after}
    if not before.strip("0"):
        return {**summary, "rounds": plan_rounds(trigger=str(Trigger.WEBHOOK))}
    names = audit_change(base=before, head=after, trigger=Trigger.WEBHOOK)
    repo, tracked = target["repo"] or ".", target["revision"] or "HEAD"
    store = service.store
    if store.head(repo=repo, ref=tracked) == before:  # the poll's head, moved along
        store.set_head(repo=repo, ref=tracked, sha=after, at=datetime.now(UTC))
    return {**summary, "apps": names}


def run_pr_check(
    *, forge: str, number: int, base: str, head: str, pending: str = ""
) -> dict[str, Any]:
    """The policy gate on a pull (merge) request: a commit status on its head and one
    comment, edited on each push (see `auditor.service.pr_check`)."""
    from auditor.service.pr_check import gate_change

    runtime.jobs().release(pending)
    return gate_change(runtime.service(), kind=forge, number=number, base=base, head=head)


def retention() -> dict[str, int]:
    service = runtime.service()
    keep = service.config.store.keep_days
    return service.store.retention(now=datetime.now(UTC), keep_days=keep)


def recover_syncs() -> list[int]:
    """Sync operations whose worker died: the lease has run out but the store still says
    running. Each is recorded failed (worker lost) and retried once more, or reported
    failed after its last attempt; the audit log says which."""
    service = runtime.service()
    jobs = runtime.jobs()
    lease = timedelta(seconds=service.config.service.sync_lease)
    now = datetime.now(UTC)
    recovered = []
    for op in service.store.running_syncs():
        if now - op.started_at < lease or held(jobs.redis, op.app):
            continue
        why = f"worker lost: no lease renewal for {int(lease.total_seconds())}s"
        service.store.abandon_sync(op.id, error=why, at=now)
        attempt = _drop_job(op.job_id)
        retry = attempt < 3 and not op.dry_run
        if retry:
            jobs.sync(
                op.app,
                arguments={
                    "user": op.actor,
                    "via": op.via,
                    "trigger": op.trigger,
                    "prune": op.prune,
                    "attempt": attempt + 1,
                },
            )
        service.store.log(
            LogEntry(
                actor=SERVICE,
                action="sync-recovered",
                target=op.app,
                result="retried" if retry else "failed",
                detail={"op": op.id, "error": why, "attempt": attempt},
            ),
            at=now,
        )
        recovered.append(op.id)
    return recovered


def on_job_failure(job: Any, connection: Any, type: Any, value: Any, traceback: Any) -> None:  # noqa: A002
    """RQ's failure callback: a failed or timed-out job goes to the audit log."""
    try:
        service = runtime.service()
        kwargs = job.kwargs or {}
        service.store.log(
            LogEntry(
                actor=SERVICE,
                action="job-failed",
                target=str(kwargs.get("app") or kwargs.get("cluster") or job.id),
                result=getattr(type, "__name__", "error"),
                detail={"job": job.id, "error": str(value)[:500]},
            ),
            at=datetime.now(UTC),
        )
    except Exception:  # noqa: BLE001 - a callback must never fail the worker
        log.exception("could not record the failure of job %s", job.id)


def _after(audited: Sequence[AuditedApp]) -> None:
    """Heal drifted apps in heal mode, propose PRs for new drift in pr mode, and deliver
    the events the audits emitted."""
    jobs = runtime.jobs()
    for item in audited:
        if item.follow_up == "heal":
            jobs.sync(
                item.report.name,
                arguments={"user": SERVICE.user, "via": SERVICE.via, "trigger": "heal"},
            )
        elif item.follow_up == "pr" and any(
            e.type == EventType.DRIFT_DETECTED for e in item.recorded.events
        ):
            jobs.adopt(item.report.name, arguments={"user": SERVICE.user, "via": SERVICE.via})
    if any(item.recorded.events for item in audited):
        jobs.notify()


def _observer(*, round_of: str | None = None) -> Callable[[AuditStats], None]:
    """Hand an audit's cost to the metrics (never failing the job over them)."""

    def observe(stats: AuditStats) -> None:
        try:
            metrics.observe_audit(runtime.jobs().redis, stats, round_of=round_of)
        except RedisError as exc:
            log.warning("metrics: %s", exc)

    return observe


def _count(name: str, amount: int = 1, **labels: str) -> None:
    try:
        metrics.count(runtime.jobs().redis, name, amount, **labels)
    except RedisError as exc:
        log.warning("metrics: %s", exc)


def _summary(audited: Sequence[AuditedApp], **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "apps": {a.report.name: str(a.report.sync) for a in audited},
        "events": [str(e.type) for a in audited for e in a.recorded.events],
    }


def _current_job_id() -> str:
    from rq import get_current_job

    job = get_current_job()
    return job.id if job is not None else ""


def _drop_job(job_id: str) -> int:
    """Forget a dead worker's job, so RQ does not retry it a second time; returns the
    attempt it was."""
    if not job_id:
        return 1
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    jobs = runtime.jobs()
    if not jobs.redis.exists(Job.key_for(job_id)):
        return 1
    job = Job.fetch(job_id, connection=jobs.redis)
    attempt = int((job.kwargs or {}).get("attempt") or 1)
    registry = StartedJobRegistry(job.origin, connection=jobs.redis)
    for found, execution in registry.get_job_and_execution_ids(cleanup=False):
        if found == job_id:
            jobs.redis.zrem(registry.key, f"{found}:{execution}")
    job.delete()
    return attempt
