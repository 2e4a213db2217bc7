"""Sync (heal) and adopt (PR) composition. Heal: render, read the cluster, compare,
check sync windows and the loop guard, plan (pure), apply (IO), remember heals, re-audit.
Adopt: the drift's live values written to a branch, pushed, proposed as a pull request.
Called by `Pipeline.sync`/`Pipeline.adopt` (`audit --heal/--pr`, `sync --app`, the demo).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from auditor.errors import AuditorError
from auditor.forge import Forge, open_or_update
from auditor.live import ClusterSnapshot
from auditor.live.shared import Declared, mark_shared, sharers
from auditor.live.tracking import tracked_by_app
from auditor.model import (
    ActionKind,
    AdoptResult,
    App,
    AppReport,
    ObjectAction,
    Project,
    RenderedApp,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncResult,
    SyncStatus,
)
from auditor.pipeline.audit import Paired, compare_app, declared_by, diff_options, wanted_types
from auditor.pipeline.core import Pipeline, capabilities_for
from auditor.pipeline.facts import ClusterFacts
from auditor.pipeline.projects import gated
from auditor.remediate.adopt import branch_name, edits_for, fingerprint
from auditor.remediate.adopt.git import base_clone, commit_and_push
from auditor.remediate.apply import Applier
from auditor.remediate.hooks import is_hook
from auditor.remediate.loopguard import HealEvent, dominant_manager, judge
from auditor.remediate.plan import (
    ApplyStep,
    HookStep,
    PlanOptions,
    PruneStep,
    SyncPlan,
    plan_sync,
)
from auditor.remediate.windows import can_sync
from auditor.report.audit.markdown import app_markdown
from auditor.sources import WORKTREE, Checkout
from auditor.store import HealLog


@dataclass(frozen=True)
class SyncRequest:
    """One sync: manual (`sync --app`) or automatic (`audit --heal`), pruning, dry run."""

    prune: bool = False
    dry_run: bool = False
    manual: bool = True
    now: datetime | None = None


@dataclass
class _Compared:
    report: AppReport
    snapshot: ClusterSnapshot
    desired: list[Resource]
    live: dict[ResourceKey, Mapping[str, Any]]
    facts: ClusterFacts


def compare(pipeline: Pipeline, app: App, rendered: RenderedApp) -> _Compared:
    """Read the app's cluster and compare: the report plus the paired objects."""
    wanted, versions = wanted_types(rendered.resources)
    snapshot = pipeline.reader.read(app.cluster, wanted=wanted, versions=versions)
    label_key = pipeline.config.tracking.instance_label_key
    tracked = tracked_by_app(snapshot.objects.values(), label_key=label_key).get(app.name, [])
    facts = ClusterFacts.of(snapshot)
    report, paired = compare_app(
        pipeline,
        app,
        rendered,
        snapshot=snapshot,
        tracked=tracked,
        facts=facts,
    )
    desired = list(paired.desired) if isinstance(paired, Paired) else []
    live = {ResourceKey.of(obj): obj for obj in tracked}
    live.update(
        {r.key: obj for r in desired if (obj := snapshot.get(r.key, r.api_version)) is not None}
    )
    return _Compared(report=report, snapshot=snapshot, desired=desired, live=live, facts=facts)


def sync(
    pipeline: Pipeline,
    checkout: Checkout,
    app: App,
    *,
    request: SyncRequest,
    projects: Sequence[Project] = (),
    store: HealLog | None = None,
    sleep: Callable[[float], None] = time.sleep,
    neighbours: Sequence[App] = (),
) -> SyncResult:
    """Heal one app: make its cluster match Git (or say exactly why not). A resource
    whose live tracking names another app is left alone, and so is an Extra one that one
    of `neighbours` (the repo's other apps) declares."""
    now = request.now or datetime.now(UTC)
    prune = request.prune or app.sync_policy.prune
    base = SyncResult(
        app=app.name,
        cluster=app.cluster,
        dry_run=request.dry_run,
        sync=SyncStatus.UNKNOWN,
        prune=prune,
    )
    rendered = gated(pipeline, app, render_for_cluster(pipeline, checkout, app), projects=projects)
    before = compare(pipeline, app, rendered)
    base = replace(base, sync=before.report.sync)
    project = next((p for p in projects if p.name == app.project), None)
    verdict = can_sync(
        project.sync_windows if project else (),
        app=app.name,
        namespace=app.destination.namespace,
        clusters=(app.cluster, app.destination.server, app.destination.name),
        manual=request.manual,
        now=now,
    )
    if not verdict.allowed:
        return replace(base, blocked_by=f"sync window: {verdict.blocked_by}")
    options = replace(
        plan_options(pipeline, app, before, prune=prune),
        # generateName hooks are named after the commit synced (a working tree's HEAD).
        revision=checkout.head if rendered.revision == WORKTREE else rendered.revision,
        started=int(now.timestamp()),
    )
    if not request.manual and store is not None:
        options = _guard(
            pipeline, app, before.report, options, store=store, now=now, live=before.live
        )
    hooks = [r for r in rendered.resources if is_hook(r.body)]
    plan = plan_sync(
        before.report, desired=before.desired, live=before.live, options=options, hooks=hooks
    )
    prunes = [s.key for s in plan.steps if isinstance(s, PruneStep)]
    if prunes and neighbours:
        # Never prune what another app declares: only now (a prune is rare, and reading
        # the other apps costs their renders) are they asked.
        declared = declared_around(pipeline, checkout, app, neighbours, rendered)
        shared = sharers(app.name, app.cluster, prunes, declared=declared, live={})
        if shared:
            before.report = mark_shared(before.report, shared)
            plan = plan_sync(
                before.report, desired=before.desired, live=before.live, options=options,
                hooks=hooks,
            )  # fmt: skip
    if plan.refused:
        return replace(base, blocked_by=plan.refused)
    if request.dry_run:
        return replace(base, actions=tuple(planned_actions(plan)))
    applier = Applier(
        client=pipeline.clusters.client(app.cluster),
        index=before.snapshot.index_or_raise(),
        retry=app.sync_policy.retry,
        force=pipeline.config.remediation.force_conflicts,
        sleep=sleep,
    )
    actions = applier.run(plan)
    if store is not None:
        _remember(store, app, before.report, actions, now=now, live=before.live)
    after = compare(pipeline, app, rendered).report if plan.writes else before.report
    return replace(base, actions=tuple(actions), sync=after.sync)


def declared_around(
    pipeline: Pipeline,
    checkout: Checkout,
    app: App,
    neighbours: Sequence[App],
    rendered: RenderedApp,
) -> Declared:
    """What `app` and the other apps of its cluster declare (renders come from the
    cache after an audit; an app that does not render declares nothing here)."""
    others = [n for n in neighbours if n.cluster == app.cluster and n.name != app.name]
    renders = {app.name: rendered}
    for other in others:
        if other.error:
            continue
        try:
            renders[other.name] = pipeline.render(other, checkout)
        except AuditorError:
            continue  # its own audit reports that; it cannot claim resources meanwhile
    return declared_by([app, *others], renders)


def render_for_cluster(pipeline: Pipeline, checkout: Checkout, app: App) -> RenderedApp:
    """The app's render for its destination (Helm sees the cluster's capabilities)."""
    caps = capabilities_for(pipeline, checkout, [app]).get(app.cluster)
    return pipeline.render(app, checkout, capabilities=caps)


def plan_options(pipeline: Pipeline, app: App, compared: _Compared, *, prune: bool) -> PlanOptions:
    config = pipeline.config
    namespace = app.destination.namespace
    create = ""
    if namespace and (app.sync_policy.option("CreateNamespace") or "").lower() == "true":
        if compared.snapshot.get(ResourceKey("", "Namespace", "", namespace)) is None:
            create = namespace
    return PlanOptions(
        app=app.name,
        prune=prune,
        allow_empty=app.sync_policy.allow_empty,
        sync_options=app.sync_policy.sync_options,
        strict=app.name in config.diff.strict_apps,
        label_key=config.tracking.instance_label_key,
        tracking="label" if config.tracking.method == "auto" else config.tracking.method,
        create_namespace=create,
        diff=diff_options(config, app, compared.facts),
    )


def _guard(
    pipeline: Pipeline,
    app: App,
    report: AppReport,
    options: PlanOptions,
    *,
    store: HealLog,
    now: datetime,
    live: Mapping[ResourceKey, Mapping[str, Any]],
) -> PlanOptions:
    """Skip resources healed (or pruned) too often lately: a controller fights Git."""
    guard = pipeline.config.remediation.loop_guard
    since = now - timedelta(seconds=guard.window_seconds)
    guarded: dict[ResourceKey, tuple[str, str]] = {}
    for drift in report.resources:
        if drift.status not in (ResourceStatus.OUT_OF_SYNC, ResourceStatus.EXTRA):
            continue
        events = store.heals(app=app.name, cluster=app.cluster, key=drift.key, since=since)
        verdict = judge(
            events,
            now=now,
            max_heals=guard.max_heals,
            window_seconds=guard.window_seconds,
            current_managers=_writers(drift, live.get(drift.key)),
        )
        if verdict.guarded:
            guarded[drift.key] = (verdict.reason, verdict.manager)
    return replace(options, guarded=guarded)


def _writers(drift: ResourceDrift, live: Mapping[str, Any] | None) -> list[str]:
    """Who made this drift: the managers of the changed fields, or for an Extra object
    (something keeps re-creating what we prune) the managers that wrote it."""
    if drift.status == ResourceStatus.EXTRA:
        entries = ((live or {}).get("metadata") or {}).get("managedFields") or []
        return [str(e.get("manager") or "") for e in entries if isinstance(e, Mapping)]
    return [c.manager for c in drift.changes]


def _remember(
    store: HealLog,
    app: App,
    report: AppReport,
    actions: Iterable[ObjectAction],
    *,
    now: datetime,
    live: Mapping[ResourceKey, Mapping[str, Any]],
) -> None:
    """A heal event per resource reset from drift or pruned (created ones are not fights)."""
    drifted = {
        d.key: d
        for d in report.resources
        if d.status in (ResourceStatus.OUT_OF_SYNC, ResourceStatus.EXTRA)
    }
    for action in actions:
        drift = drifted.get(action.key)
        if action.action not in (ActionKind.APPLIED, ActionKind.PRUNED) or drift is None:
            continue
        store.record_heal(
            HealEvent(
                app=app.name,
                cluster=app.cluster,
                key=action.key,
                time=now,
                fields=tuple(c.path for c in drift.changes) or (str(drift.status),),
                manager=dominant_manager(_writers(drift, live.get(action.key))),
            )
        )


def planned_actions(plan: SyncPlan) -> list[ObjectAction]:
    """A dry run's report: what each step would do, with the fields it would change."""
    out = []
    for step in plan.steps:
        if isinstance(step, ApplyStep):
            action = ObjectAction(
                key=step.key, action=ActionKind.APPLIED, reason=step.reason, changes=step.changes
            )
        elif isinstance(step, PruneStep):
            reason = f"Extra: would be deleted, propagation {step.propagation}"
            action = ObjectAction(key=step.key, action=ActionKind.PRUNED, reason=reason)
        elif isinstance(step, HookStep):
            when = "if the sync fails" if step.phase == "SyncFail" else "and wait for it"
            reason = (
                f"{step.phase} hook: would run {when} (delete policy "
                f"{', '.join(step.delete_policies)})"
            )
            action = ObjectAction(key=step.key, action=ActionKind.HOOK, reason=reason)
        else:
            action = ObjectAction(
                key=step.key, action=ActionKind.SKIPPED, reason=step.reason, manager=step.manager
            )
        out.append(replace(action, wave=step.wave, phase=step.phase))
    return out


def adopt(
    pipeline: Pipeline,
    checkout: Checkout,
    app: App,
    *,
    remote: str,
    base_branch: str,
    forge: Forge | None,
) -> AdoptResult:
    """Write the live values of the app's drifted fields back to Git on the fingerprint's
    branch, push it, and open (or update) its pull request."""
    rendered = render_for_cluster(pipeline, checkout, app)
    compared = compare(pipeline, app, rendered)
    report = compared.report
    if report.sync != SyncStatus.OUT_OF_SYNC:
        why = report.error or f"app is {report.sync}: nothing to adopt"
        return AdoptResult(app=app.name, branch="", fingerprint="", error=why)
    print_ = fingerprint(app.name, report.resources)
    branch = branch_name(app.name, print_)
    url, env = pipeline.sources.access(remote)
    git_seconds = pipeline.config.timeouts.git_seconds
    with base_clone(url, base_branch=base_branch, env=env, timeout=git_seconds) as root:

        def read(rel: str) -> str | None:
            path = root / rel
            return path.read_text(encoding="utf-8") if path.is_file() else None

        kind = pipeline.renderer.source_type(app, app_dir=root / app.source.path)
        edits = edits_for(
            app,
            report,
            desired=rendered.resources,
            read=read,
            source_type=kind,
            live=compared.live,
        )
        if not edits.files:
            return AdoptResult(
                app=app.name,
                branch="",
                fingerprint=print_,
                skipped=tuple(edits.skipped),
                error="no drifted field can be written back to Git",
            )
        message = f"Adopt live changes of {app.name} ({print_})\n\n" + "\n".join(
            f"- {line}" for line in edits.adopted
        )
        commit_and_push(
            root, branch=branch, files=edits.files, message=message, env=env, timeout=git_seconds
        )
    result = AdoptResult(
        app=app.name,
        branch=branch,
        fingerprint=print_,
        files=tuple(sorted(edits.files)),
        skipped=tuple(edits.skipped),
    )
    if forge is None:
        return result
    pr = open_or_update(
        forge,
        head=branch,
        base=base_branch,
        title=f"gitops-auditor: adopt live changes of {app.name}",
        body=pr_body(report, adopted=edits.adopted, skipped=edits.skipped),
    )
    return replace(result, pr_url=pr.url, pr_number=pr.number, created=pr.created)


def pr_body(report: AppReport, *, adopted: Sequence[str], skipped: Sequence[str]) -> str:
    lines = [
        f"gitops-auditor found live changes in **{report.name}** ({report.cluster}/"
        f"{report.namespace or '-'}) and proposes to adopt them: merging makes Git match "
        "the cluster. Close this PR to have them healed instead.",
        "",
        app_markdown(report),
    ]
    if skipped:
        lines += ["", "Not adopted:", *(f"- {s}" for s in skipped)]
    return "\n".join(lines) + "\n"
