"""The service's recorded use cases: audit and remember (runs, findings, events), sync as
someone (authorized, under the audit log, with its operation stored), adopt as someone.
Functions over a `Service`; the RQ jobs, the bot and the CLI call them through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from auditor.errors import AuditorError
from auditor.model import AdoptResult, App, AppReport, AuditStats, Mode, SyncResult, SyncStatus
from auditor.pipeline.audit import audit
from auditor.pipeline.sync import SyncRequest, adopt, sync
from auditor.service.rbac import APPLICATIONS, SYNC, UPDATE, app_object
from auditor.store.records import Actor, Event, LogEntry, Recorded, RunContext, Trigger

if TYPE_CHECKING:
    from auditor.forge import Forge
    from auditor.service.service import Service

TRUSTED_VIA = frozenset({"cli", "service"})  # local operators and the service itself


class Forbidden(AuditorError):
    """The actor may not do this (the denial is in the audit log)."""


class ApprovalRequired(AuditorError):
    """A sync that `rbac.approvals` says needs a second operator, asked for where none
    can approve it (the web, the API): Slack's `/gitops sync` asks for the approval."""


@dataclass(frozen=True)
class AuditedApp:
    """One app's recorded audit, and what the service does next about it (`heal`, `pr`)."""

    report: AppReport
    recorded: Recorded
    follow_up: str = ""


@dataclass(frozen=True)
class SyncOutcome:
    result: SyncResult
    op_id: int
    events: tuple[Event, ...]


def now() -> datetime:
    return datetime.now(UTC)


def audit_and_record(
    service: Service,
    *,
    apps: Sequence[str] = (),
    cluster: str | None = None,
    repo: str | None = None,
    revision: str | None = None,
    trigger: Trigger,
    job_id: str = "",
    scoped: bool = False,
    max_age: float = 0.0,
    observe: Callable[[AuditStats], None] | None = None,
) -> list[AuditedApp]:
    """Audit the named apps (or every app of `cluster`, or all), store each app's run,
    findings and events, and say which drifted apps to heal or propose a PR for. With
    `max_age`, a read of the repo that recent is reused (see `Service.workspace`);
    `observe` is given the audit's cost (for the metrics)."""
    started = now()
    space = service.workspace(repo=repo, revision=revision, max_age=max_age)
    chosen = [space.app(n) for n in apps] if apps else list(space.discovery.apps)
    if cluster is not None:
        chosen = [a for a in chosen if a.cluster == cluster]
    report = audit(
        service.pipeline,
        space.checkout,
        chosen,
        scoped=scoped,
        projects=space.discovery.projects,
    )
    finished = now()
    if observe is not None:
        observe(report.stats)
    out = []
    for app, result in zip(chosen, report.apps, strict=True):
        context = RunContext(
            trigger=trigger,
            started_at=started,
            finished_at=finished,
            api_requests=report.stats.requests.get(app.cluster, 0),
            job_id=job_id,
            mode=str(app.mode),
            read_types=frozenset((d.key.group, d.key.kind) for d in result.resources)
            if scoped
            else None,
        )
        recorded = service.store.record_audit(result, context=context)
        out.append(AuditedApp(report=result, recorded=recorded, follow_up=follow_up(app, result)))
    return out


def trigger_of(actor: Actor) -> Trigger:
    """The trigger of an audit that an actor's action caused."""
    by_via = {"cli": Trigger.CLI, "slack": Trigger.SLACK, "web": Trigger.API, "api": Trigger.API}
    return by_via.get(actor.via, Trigger.SCHEDULE)


def follow_up(app: App, report: AppReport) -> str:
    """What the service does about a drifted app: its mode (heal, pr), nothing otherwise."""
    if report.sync != SyncStatus.OUT_OF_SYNC or app.mode == Mode.REPORT:
        return ""
    return str(app.mode)


def may(service: Service, actor: Actor, *, action: str, project: str, app: str) -> bool:
    """Whether `actor` may do `action` on the app (local operators and the service may)."""
    return permits(service, actor, action=action)(project, app)


def permits(service: Service, actor: Actor, *, action: str) -> Callable[[str, str], bool]:
    """`may` for many apps, as `(project, app) -> bool` (the RBAC grants found once)."""
    if actor.via in TRUSTED_VIA:
        return lambda project, app: True
    check = service.rbac.checker(actor.subjects, resource=APPLICATIONS, action=action)
    return lambda project, app: check(app_object(project=project, app=app))


def authorize_app(service: Service, actor: Actor, *, action: str, project: str, app: str) -> None:
    """Raise `Forbidden` (and log the denial) unless `actor` may do `action` on the app."""
    if may(service, actor, action=action, project=project, app=app):
        return
    service.store.log(LogEntry(actor=actor, action=action, target=app, result="denied"), at=now())
    raise Forbidden(f"{actor.user} may not {action} {app_object(project=project, app=app)}")


def authorize(service: Service, actor: Actor, *, action: str, app: App) -> None:
    """`authorize_app` for an app of the repo."""
    authorize_app(service, actor, action=action, project=app.project, app=app.name)


def sync_as(
    service: Service,
    actor: Actor,
    app_name: str,
    *,
    prune: bool = False,
    dry_run: bool = False,
    trigger: str = "manual",
    repo: str | None = None,
    revision: str | None = None,
    job_id: str = "",
) -> SyncOutcome:
    """Sync one app on `actor`'s behalf: `manual` (sync windows with manualSync let it
    through, the loop guard does not apply) or `heal` (automatic). The operation, its
    per-object outcome and its events are stored; a real sync is followed by a recorded
    audit of the app, so its findings resolve at once."""
    space = service.workspace(repo=repo, revision=revision)
    app = space.app(app_name)
    authorize(service, actor, action=SYNC, app=app)
    store = service.store
    action = "heal" if trigger == "heal" else "sync"
    op_id = store.start_sync(
        app=app.name,
        cluster=app.cluster,
        actor=actor,
        trigger=trigger,
        dry_run=dry_run,
        prune=prune,
        job_id=job_id,
        at=now(),
    )
    detail = {"prune": prune, "dry_run": dry_run, "op": op_id, "job": job_id}
    store.log(LogEntry(actor=actor, action=action, target=app.name, result="started",
                       detail=detail), at=now())  # fmt: skip
    try:
        result = sync(
            service.pipeline,
            space.checkout,
            app,
            request=SyncRequest(prune=prune, dry_run=dry_run, manual=trigger != "heal"),
            projects=space.discovery.projects,
            store=None if dry_run else store,
            neighbours=space.discovery.apps,
        )
    except AuditorError as exc:
        store.abandon_sync(op_id, error=exc.message, at=now())
        store.log(LogEntry(actor=actor, action=action, target=app.name, result="error",
                           detail={**detail, "error": exc.message}), at=now())  # fmt: skip
        raise
    events = store.finish_sync(op_id, result, at=now())
    outcome = "done" if result.done else ("blocked" if result.blocked_by else "failed")
    summary = {**detail, "sync": str(result.sync), "blocked_by": result.blocked_by or ""}
    store.log(LogEntry(actor=actor, action=action, target=app.name, result=outcome,
                       detail=summary), at=now())  # fmt: skip
    if not dry_run and any(a.action for a in result.actions):
        audit_and_record(
            service,
            apps=[app.name],
            repo=repo,
            revision=revision,
            trigger=trigger_of(actor),
            job_id=job_id,
            scoped=True,
        )
    return SyncOutcome(result=result, op_id=op_id, events=events)


def adopt_as(
    service: Service,
    actor: Actor,
    app_name: str,
    *,
    remote: str,
    base_branch: str,
    forge: Forge | None,
    repo: str | None = None,
    revision: str | None = None,
) -> AdoptResult:
    """Propose one app's live changes as a pull request on `actor`'s behalf (recorded)."""
    space = service.workspace(repo=repo, revision=revision)
    app = space.app(app_name)
    authorize(service, actor, action=UPDATE, app=app)
    result = adopt(
        service.pipeline, space.checkout, app, remote=remote, base_branch=base_branch, forge=forge
    )
    service.store.record_pr(result, at=now())
    service.store.log(
        LogEntry(
            actor=actor,
            action="adopt",
            target=app.name,
            result="error" if result.error else ("opened" if result.created else "updated"),
            detail={"branch": result.branch, "url": result.pr_url, "error": result.error or ""},
        ),
        at=now(),
    )
    return result
