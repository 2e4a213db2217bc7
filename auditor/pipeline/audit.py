"""Audit composition: renders, one snapshot per cluster per round, then each app's
comparison (pairing, optional server-side prediction, diff). A problem of one app makes
that app `Unknown`; the round goes on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from auditor.config import Config, TrackingConfig
from auditor.diff import DEFAULT_CONTROLLERS, DiffOptions, diff_app
from auditor.diff.memo import DiffMemo
from auditor.health import app_health, resource_health
from auditor.live import ClusterError, ClusterSnapshot, Scope
from auditor.live.dryrun import predict
from auditor.live.shared import Declared, declared_index, mark_shared, sharers
from auditor.live.tracking import tracked_by_app, tracking_method, with_tracking
from auditor.model import (
    App,
    AppReport,
    AuditReport,
    AuditStats,
    Health,
    HealthStatus,
    Project,
    RenderedApp,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
)
from auditor.pipeline.core import Pipeline, Progress, capabilities_for
from auditor.pipeline.facts import ClusterFacts
from auditor.pipeline.parallel import parallel_map
from auditor.pipeline.projects import gated
from auditor.policy import PolicyTarget
from auditor.policy.live import app_context, evaluate_live, has_live_policies
from auditor.remediate.hooks import is_hook, not_compared
from auditor.sources import Checkout


def audit(
    pipeline: Pipeline,
    checkout: Checkout,
    apps: Sequence[App],
    *,
    progress: Progress | None = None,
    scoped: bool = False,
    projects: Sequence[Project] = (),
) -> AuditReport:
    """Compare each app's desired state with its cluster: one snapshot per cluster,
    shared by every app on it. `scoped` reads only these apps' objects (their tracking
    label and the objects Git declares), for audits of a few apps between rounds. An app
    its AppProject does not permit (`projects`, as the repo declares them) is Unknown
    with Argo CD's reason."""
    started = time.monotonic()
    hits_before = pipeline.renderer.stats.cache_hits
    renders_before = pipeline.renderer.stats.renders
    # The policies are loaded (and checked in a sandbox, a fork) while this process is
    # still small.
    pipeline.policy_runner()
    caps = capabilities_for(pipeline, checkout, apps)
    pipeline.follow(checkout)
    rendered = dict(
        zip(
            [a.name for a in apps],
            parallel_map(
                lambda a: gated(
                    pipeline,
                    a,
                    pipeline.render(a, checkout, capabilities=caps.get(a.cluster)),
                    projects=projects,
                ),
                apps,
                workers=4,
            ),
            strict=True,
        )
    )
    pipeline.renderer.flush()
    rendered_at = time.monotonic()
    wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    versions: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for app in apps:
        kinds, at = wanted_types(rendered[app.name].resources)
        wanted[app.cluster] |= kinds
        versions[app.cluster] |= at
    clusters = sorted({a.cluster for a in apps if not a.error})
    scopes = (
        {c: app_scope([a for a in apps if a.cluster == c], rendered, pipeline) for c in clusters}
        if scoped
        else {}
    )
    snapshots = dict(
        zip(
            clusters,
            parallel_map(
                lambda c: pipeline.reader.read(
                    c, wanted=wanted[c], versions=versions[c], scope=scopes.get(c)
                ),
                clusters,
                workers=8,
            ),
            strict=True,
        )
    )
    read_at = time.monotonic()
    tracked = {
        name: tracked_by_app(
            snap.objects.values(), label_key=pipeline.config.tracking.instance_label_key
        )
        for name, snap in snapshots.items()
    }
    facts = {name: ClusterFacts.of(snap) for name, snap in snapshots.items()}
    claims = declared_by(apps, rendered)
    memos = {name: pipeline.memos.for_cluster(name) for name, s in snapshots.items() if not s.error}
    reports = []
    for app in apps:
        if progress:
            progress(app.name, len(apps))
        report, _ = compare_app(
            pipeline,
            app,
            rendered[app.name],
            snapshot=snapshots.get(app.cluster),
            tracked=tracked.get(app.cluster, {}).get(app.name, []),
            facts=facts.get(app.cluster),
            claims=claims,
            memo=memos.get(app.cluster),
        )
        reports.append(report)
    reused = sum(m.hits for m in memos.values())
    for name in memos:  # a cluster not read used nothing: its memo stays as it was
        pipeline.memos.save(name, full_round=not scoped)
    compared_at = time.monotonic()
    reports = with_policies(pipeline, apps, rendered, reports)
    finished = time.monotonic()
    stats = AuditStats(
        requests={name: snap.requests for name, snap in snapshots.items()},
        renders=pipeline.renderer.stats.renders - renders_before,
        render_cache_hits=pipeline.renderer.stats.cache_hits - hits_before,
        diffs=sum(len(r.resources) for r in reports),
        diffs_reused=reused,
        seconds=round(finished - started, 3),
        stages={
            "render": rendered_at - started,
            "read": read_at - rendered_at,
            "diff": compared_at - read_at,
            "policy": finished - compared_at,
        },
        cluster_errors={n: snap.error for n, snap in snapshots.items() if snap.error},
    )
    return AuditReport(
        revision=checkout.revision if checkout.cacheable else checkout.head or "worktree",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        apps=tuple(reports),
        stats=stats,
    )


def app_scope(
    apps: Sequence[App], rendered: Mapping[str, RenderedApp], pipeline: Pipeline
) -> Scope:
    """The read of just these apps: their tracking label, and the objects Git declares."""
    key = pipeline.config.tracking.instance_label_key
    names = sorted({a.name for a in apps})
    selector = f"{key}={names[0]}" if len(names) == 1 else f"{key} in ({','.join(names)})"
    objects = tuple((r.key, r.api_version) for a in apps for r in rendered[a.name].resources)
    return Scope(selector=selector, objects=objects)


def wanted_types(
    resources: Iterable[Resource],
) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """The (group, kind)s to list for these desired resources, and the (group, version,
    kind)s Git declares them at (read again when not the cluster's preferred version)."""
    kinds = {(r.key.group, r.key.kind) for r in resources}
    versions = {(r.key.group, r.api_version.rpartition("/")[2], r.key.kind) for r in resources}
    return kinds, versions


def compare_app(
    pipeline: Pipeline,
    app: App,
    rendered: RenderedApp,
    *,
    snapshot: ClusterSnapshot | None,
    tracked: Iterable[Mapping[str, Any]],
    facts: ClusterFacts | None = None,
    claims: Declared | None = None,
    memo: DiffMemo | None = None,
) -> tuple[AppReport, Paired | Unpaired]:
    """One app's report from its render and its cluster's snapshot (`facts`: what the
    round derived from that snapshot once), with the pairing it was built from (a sync
    plans on the same objects). Only the optional server-side diff sends requests.
    Resources that other apps declare too (`claims`: what the apps audited or synced
    with it declare) or that live tracking gives to another app are marked shared.
    `memo`: the cluster's comparisons of earlier rounds, reused where nothing changed."""
    base = AppReport(
        name=app.name,
        project=app.project,
        cluster=app.cluster,
        namespace=app.destination.namespace,
        path=app.source.path,
        revision=rendered.revision,
        sync=SyncStatus.UNKNOWN,
        notes=rendered.notes,
    )
    tracked = list(tracked)
    paired = pair(
        app,
        rendered,
        snapshot,
        tracking=pipeline.config.tracking,
        tracked=tracked,
    )
    if isinstance(paired, Unpaired):
        return unknown(base, paired.reason), paired
    assert snapshot is not None
    desired = list(paired.desired)
    declared = {r.key for r in desired}
    # Live hooks (a PreSync Job a sync left behind) are the app's but never Extra.
    extra = [o for o in tracked if ResourceKey.of(o) not in declared and not not_compared(o)]
    live = [*paired.live, *extra]
    predicted = None
    if server_side(pipeline.config, app):
        existing = [r for r in desired if snapshot.get(r.key) is not None]
        try:
            predicted = predict(
                pipeline.clusters.client(app.cluster), snapshot.index_or_raise(), existing
            )
        except ClusterError as exc:
            return unknown(base, f"server-side diff: {exc.message}"), paired
    options = diff_options(pipeline.config, app, facts or ClusterFacts.of(snapshot))
    drifts, health = with_health(
        diff_app(desired, live, options=options, predicted=predicted, memo=memo), live
    )
    out_of_sync = any(d.status != ResourceStatus.SYNCED for d in drifts) or (
        app.name in pipeline.config.diff.strict_apps and any(d.unmanaged for d in drifts)
    )
    report = replace(
        base,
        sync=SyncStatus.OUT_OF_SYNC if out_of_sync else SyncStatus.SYNCED,
        resources=drifts,
        health=health,
    )
    shared = sharers(
        app.name,
        app.cluster,
        [d.key for d in drifts],
        declared=claims or {},
        live={ResourceKey.of(obj): obj for obj in live},
        label_key=pipeline.config.tracking.instance_label_key,
    )
    return mark_shared(report, shared), paired


def declared_by(apps: Iterable[App], rendered: Mapping[str, RenderedApp]) -> Declared:
    """What each rendered app declares on its cluster (hooks aside: they are never
    compared), for the shared-resource check."""
    return declared_index(
        (
            app.name,
            app.cluster,
            [r.key for r in rendered[app.name].resources if not is_hook(r.body)],
        )
        for app in apps
        if app.name in rendered
    )


def unknown(base: AppReport, reason: str) -> AppReport:
    """An app that could not be compared: Unknown sync and health, with the reason."""
    return replace(base, error=reason, health=Health(HealthStatus.UNKNOWN, reason))


def with_health(
    drifts: Iterable[ResourceDrift], live: Iterable[Mapping[str, Any]]
) -> tuple[tuple[ResourceDrift, ...], Health]:
    """Each resource with Argo CD's health of its live object (Missing when not live), and
    the app's health aggregated from them."""
    by_key = {ResourceKey.of(obj): obj for obj in live}
    out = []
    counted = []
    for drift in drifts:
        obj = None if drift.status == ResourceStatus.MISSING else by_key.get(drift.key)
        health = Health(HealthStatus.MISSING) if obj is None else resource_health(obj)
        out.append(replace(drift, health=health))
        counted.append((drift.key, obj, health))
    return tuple(out), app_health(counted)


def with_policies(
    pipeline: Pipeline,
    apps: Sequence[App],
    rendered: Mapping[str, RenderedApp],
    reports: Sequence[AppReport],
) -> list[AppReport]:
    """The reports with their policy results: the configured policies on each rendered
    app's desired resources (cached by resource and policy set, in memory and on disk),
    then the live-state policies on the drift of each app that could be compared."""
    policies, runner = pipeline.policy_runner()
    live = has_live_policies(policies)
    targets = [
        PolicyTarget(app=a.name, context=app_context(a), resources=rendered[a.name].resources)
        for a in apps
        if not rendered[a.name].error
    ]
    results = {r.app: r for r in runner.run(targets, today=date.today())}
    out = []
    for app, report in zip(apps, reports, strict=True):
        result = results.get(app.name)
        if result is None:  # the render failed: its error stays the app's story
            out.append(report)
            continue
        found = list(result.violations)
        if live and report.sync != SyncStatus.UNKNOWN:
            found += evaluate_live(
                runner.engine,
                policies,
                app=app.name,
                context=app_context(app),
                drifts=report.resources,
                cache=runner.cache,
            )
        out.append(replace(report, violations=tuple(found)))
    if live:
        runner.cache.flush()
    return out


COMPARE_OPTIONS = "argocd.argoproj.io/compare-options"


@dataclass(frozen=True)
class Paired:
    """An app's desired resources, keyed as the cluster scopes them and carrying the
    tracking metadata the live objects use, and the live objects Git declares."""

    desired: tuple[Resource, ...]
    live: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Unpaired:
    """Why an app cannot be compared: its render failed, its cluster was not read, or a
    type it needs (or one that may hold its Extra objects) could not be listed."""

    reason: str


def pair(
    app: App,
    rendered: RenderedApp,
    snapshot: ClusterSnapshot | None,
    *,
    tracking: TrackingConfig,
    tracked: Sequence[Mapping[str, Any]] = (),
) -> Paired | Unpaired:
    """The desired resources and their live counterparts, or why they cannot be compared.

    Hooks and `Skip` objects are not compared (Argo CD runs them, it does not sync them).
    Desired objects carry the tracking metadata Argo CD adds before comparing: the live
    object's own method, else the app's (`tracking.method`, or as its `tracked` live
    objects show it), so a live object stripped of its label is drift."""
    if rendered.error:
        return Unpaired(rendered.error)
    if snapshot is None or snapshot.error:
        return Unpaired(
            snapshot.error if snapshot and snapshot.error else f"cluster {app.cluster} was not read"
        )
    desired = [_scoped(r, snapshot) for r in rendered.resources if not not_compared(r.body)]
    failures = sorted(
        {f for r in desired if (f := snapshot.failure(r.key.group, r.key.kind)) is not None}
    )
    # A type that could not be listed may hold this app's Extra resources: comparing
    # without it would call a drifted app Synced (and a heal would never prune them).
    unseen = sorted(set(snapshot.failed.values()) - set(failures))
    failures += [f"cannot check for Extra resources: {f}" for f in unseen]
    if failures:
        return Unpaired("; ".join(failures))
    label_key = tracking.instance_label_key
    counterparts = {r.key: snapshot.get(r.key) for r in desired}
    method: str = tracking.method
    if method == "auto":
        seen = [*tracked, *(o for o in counterparts.values() if o is not None)]
        method = tracking_method(seen, label_key=label_key)
    marked = tuple(
        replace(
            r,
            body=with_tracking(
                r.body, counterparts[r.key], app=app.name, label_key=label_key, method=method
            ),
        )
        for r in desired
    )
    live = tuple(obj for r in marked if (obj := snapshot.get(r.key, r.api_version)) is not None)
    return Paired(desired=marked, live=live)


def _scoped(resource: Resource, snapshot: ClusterSnapshot) -> Resource:
    """A desired resource keyed as the cluster scopes it (a CRD the render did not know)."""
    key = resource.key
    if key.namespace and snapshot.cluster_scoped(key.group, key.kind):
        return replace(resource, key=replace(key, namespace=""))
    return resource


def server_side(config: Config, app: App) -> bool:
    """Argo CD's `compare-options: ServerSideDiff=true|false` on the Application, else
    the config's `diff.server_side`."""
    annotations = ((app.manifest or {}).get("metadata") or {}).get("annotations") or {}
    for option in str(annotations.get(COMPARE_OPTIONS, "")).split(","):
        name, _, value = option.strip().partition("=")
        if name == "ServerSideDiff":
            return value.strip().lower() == "true"
    return config.diff.server_side


def diff_options(config: Config, app: App, facts: ClusterFacts) -> DiffOptions:
    cfg = config.diff
    controllers = DEFAULT_CONTROLLERS | frozenset(cfg.controller_managers)
    return DiffOptions(
        ignore_differences=tuple(app.ignore_differences) + tuple(cfg.ignore_differences),
        controller_managers=controllers,
        hpa_targets=facts.hpa_targets,
        strict=app.name in cfg.strict_apps,
        builtin_exceptions=cfg.builtin_exceptions,
        crd_schemas=facts.crd_schemas,
        definitions=facts.definitions,
        facts=facts.digest,
    )
