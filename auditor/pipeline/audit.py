"""Audit composition: renders, one snapshot per cluster per round, then each app's
comparison (pairing, optional server-side prediction, diff). A problem of one app makes
that app `Unknown`; the round goes on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    Capabilities,
    Health,
    HealthStatus,
    Project,
    RenderedApp,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
    Violation,
)
from auditor.pipeline.core import Pipeline, Progress, capabilities_for
from auditor.pipeline.facts import ClusterFacts
from auditor.pipeline.parallel import bounded_stream, parallel_map
from auditor.pipeline.projects import gated
from auditor.policy import PolicyResult, PolicyTarget
from auditor.policy.live import LiveApp, app_context, evaluate_live_apps, has_live_policies
from auditor.remediate.hooks import is_hook, not_compared
from auditor.sources import Checkout

# The apps audited together (whole clusters; see `audit`).
GROUP_APPS = 1_000
# The live objects a round holds at once, counted as the objects Git declares on the
# clusters being read or compared (~7 KB each in memory, managedFields and all): a
# cluster is read when those held and its own stay within it, or when none is held.
READ_BUDGET = 25_000


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
    with Argo CD's reason.

    The fleet is audited in groups of whole clusters (`GROUP_APPS`): a group's renders,
    policies, cluster objects and comparisons are done before the next group's start,
    so what is held at once does not grow with the fleet, only the reports do."""
    started = time.monotonic()
    hits_before = pipeline.renderer.stats.cache_hits
    renders_before = pipeline.renderer.stats.renders
    # The policies are loaded (and checked in a sandbox, a fork) while this process is
    # still small.
    pipeline.policy_runner()
    caps = capabilities_for(pipeline, checkout, apps)
    pipeline.follow(checkout)
    tally = _Tally(progress=progress, total=len(apps))
    by_app: dict[str, AppReport] = {}
    try:
        for group in cluster_groups(apps, limit=GROUP_APPS):
            part = _Group(pipeline, checkout, group, scoped=scoped, tally=tally)
            by_app.update(part.run(caps=caps, projects=projects))
    finally:
        pipeline.renderer.flush()
    reports = tuple(by_app[app.name] for app in apps)
    stats = AuditStats(
        requests=tally.requests,
        renders=pipeline.renderer.stats.renders - renders_before,
        render_cache_hits=pipeline.renderer.stats.cache_hits - hits_before,
        diffs=sum(len(r.resources) for r in reports),
        diffs_reused=tally.reused,
        seconds=round(time.monotonic() - started, 3),
        stages=dict(tally.stages),
        cluster_errors=tally.errors,
    )
    return AuditReport(
        revision=checkout.revision if checkout.cacheable else checkout.head or "worktree",
        generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        apps=reports,
        stats=stats,
    )


def cluster_groups(apps: Sequence[App], *, limit: int) -> list[list[App]]:
    """The apps in groups of whole clusters (a resource shared by two apps is on one
    cluster), in order of first appearance, each of at most `limit` apps unless one
    cluster alone has more."""
    on: dict[str, list[App]] = defaultdict(list)
    for app in apps:
        on[app.cluster].append(app)
    groups: list[list[App]] = []
    for members in on.values():
        if groups and len(groups[-1]) + len(members) <= limit:
            groups[-1].extend(members)
        else:
            groups.append(list(members))
    return groups


@dataclass
class _Tally:
    """What a round's groups add up to: per-cluster requests and errors, reused diffs,
    seconds per stage; `progress` is told of each app compared."""

    progress: Progress | None
    total: int
    requests: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    reused: int = 0
    stages: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("render", "read", "diff", "policy"), 0.0)
    )

    def since(self, stage: str, mark: float) -> float:
        """Count the time since `mark` for `stage`; return now."""
        now = time.monotonic()
        self.stages[stage] += now - mark
        return now


@dataclass
class _Group:
    """One group of whole clusters of a round: rendered, checked, read and compared."""

    pipeline: Pipeline
    checkout: Checkout
    apps: Sequence[App]
    scoped: bool
    tally: _Tally

    def run(
        self, *, caps: Mapping[str, Capabilities | None], projects: Sequence[Project]
    ) -> dict[str, AppReport]:
        pipeline, tally = self.pipeline, self.tally
        mark = time.monotonic()
        rendered = dict(
            zip(
                [a.name for a in self.apps],
                parallel_map(
                    lambda a: gated(
                        pipeline,
                        a,
                        pipeline.render(a, self.checkout, capabilities=caps.get(a.cluster)),
                        projects=projects,
                    ),
                    self.apps,
                    workers=4,
                ),
                strict=True,
            )
        )
        mark = tally.since("render", mark)
        _, runner = pipeline.policy_runner()
        try:
            results = desired_policies(pipeline, self.apps, rendered)
            mark = tally.since("policy", mark)
            reports = self.compare(rendered)
            mark = time.monotonic()
            out = with_policies(pipeline, self.apps, reports, results)
            tally.since("policy", mark)
        finally:
            # The workers (if this group needed them) are stopped before the next
            # group's renders: their memory is back, and the kustomize runs have it.
            runner.release()
        return {r.name: r for r in out}

    def compare(self, rendered: Mapping[str, RenderedApp]) -> list[AppReport]:
        """Each app's report, its cluster's objects read (side by side with the others,
        within `READ_BUDGET`) and let go once its apps are compared."""
        pipeline, tally = self.pipeline, self.tally
        wanted: dict[str, set[tuple[str, str]]] = defaultdict(set)
        versions: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        on: dict[str, list[App]] = defaultdict(list)
        for app in self.apps:
            kinds, at = wanted_types(rendered[app.name].resources)
            wanted[app.cluster] |= kinds
            versions[app.cluster] |= at
            on[app.cluster].append(app)
        clusters = sorted({a.cluster for a in self.apps if not a.error})
        scopes = {c: app_scope(on[c], rendered, pipeline) for c in clusters} if self.scoped else {}
        claims = declared_by(self.apps, rendered)
        by_app: dict[str, AppReport] = {}

        def read(cluster: str) -> ClusterSnapshot:
            return pipeline.reader.read(
                cluster,
                wanted=wanted[cluster],
                versions=versions[cluster],
                scope=scopes.get(cluster),
            )

        def compare_cluster(cluster: str, snapshot: ClusterSnapshot | None) -> None:
            label_key = pipeline.config.tracking.instance_label_key
            tracked = (
                tracked_by_app(snapshot.objects.values(), label_key=label_key) if snapshot else {}
            )
            facts = ClusterFacts.of(snapshot) if snapshot is not None else None
            memo = pipeline.memos.for_cluster(cluster) if snapshot and not snapshot.error else None
            for app in on[cluster]:
                if tally.progress:
                    tally.progress(app.name, tally.total)
                by_app[app.name], _ = compare_app(
                    pipeline,
                    app,
                    rendered[app.name],
                    snapshot=snapshot,
                    tracked=tracked.get(app.name, []),
                    facts=facts,
                    claims=claims,
                    memo=memo,
                )
            if memo is not None:  # a cluster not read used nothing: its memo stays as it was
                tally.reused += memo.hits
                pipeline.memos.save(cluster, full_round=not self.scoped)

        mark = time.monotonic()
        for cluster, snapshot in bounded_stream(
            read,
            clusters,
            weight=lambda c: sum(len(rendered[a.name].resources) for a in on[c]),
            budget=READ_BUDGET,
            workers=8,
        ):
            mark = tally.since("read", mark)  # waiting for it, not overlapped
            tally.requests[cluster] = snapshot.requests
            if snapshot.error:
                tally.errors[cluster] = snapshot.error
            compare_cluster(cluster, snapshot)
            del snapshot
            mark = tally.since("diff", mark)
        for cluster in sorted(set(on) - set(clusters)):
            compare_cluster(cluster, None)
        tally.since("diff", mark)
        return [by_app[app.name] for app in self.apps]


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


def desired_policies(
    pipeline: Pipeline, apps: Sequence[App], rendered: Mapping[str, RenderedApp]
) -> dict[str, PolicyResult]:
    """The configured policies on each rendered app's desired resources (cached by
    resource and policy set, in memory and on disk), by app; an app whose render failed
    has none (its error stays the app's story)."""
    _, runner = pipeline.policy_runner()
    targets = [
        PolicyTarget(app=a.name, context=app_context(a), resources=rendered[a.name].resources)
        for a in apps
        if not rendered[a.name].error
    ]
    return {r.app: r for r in runner.run(targets, today=date.today())}


def with_policies(
    pipeline: Pipeline,
    apps: Sequence[App],
    reports: Sequence[AppReport],
    results: Mapping[str, PolicyResult],
) -> list[AppReport]:
    """The reports with their policy results: the desired state's (`results`), then the
    live-state policies on the drift of each app that could be compared, all in one
    call to the engine."""
    policies, runner = pipeline.policy_runner()
    live = [
        LiveApp(app.name, app_context(app), report.resources)
        for app, report in zip(apps, reports, strict=True)
        if app.name in results and report.sync != SyncStatus.UNKNOWN
    ]
    found_live: dict[str, list[Violation]] = {}
    if live and has_live_policies(policies):
        found = evaluate_live_apps(runner.engine, policies, live, cache=runner.cache)
        found_live = {a.name: f for a, f in zip(live, found, strict=True)}
        runner.cache.flush()
    out = []
    for report in reports:
        result = results.get(report.name)
        if result is None:
            out.append(report)
            continue
        violations = (*result.violations, *found_live.get(report.name, ()))
        out.append(replace(report, violations=violations))
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
