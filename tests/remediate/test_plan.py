"""Sync planning (pure): order, pruning rules, refusals, preserved and removed fields."""

from __future__ import annotations

from typing import Any

from auditor.diff.options import DiffOptions
from auditor.model import (
    AppReport,
    FieldChange,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
    UnmanagedChange,
)
from auditor.remediate import ApplyStep, PlanOptions, PruneStep, SkipStep, plan_sync
from auditor.remediate.plan import HookStep


def obj(
    kind: str, name: str, *, api: str = "v1", wave: int | None = None, **extra: Any
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns"}
    if wave is not None:
        meta["annotations"] = {"argocd.argoproj.io/sync-wave": str(wave)}
    meta.update(extra.pop("meta", {}))
    return {"apiVersion": api, "kind": kind, "metadata": meta, **extra}


def report(
    *drifts: ResourceDrift, sync: SyncStatus = SyncStatus.OUT_OF_SYNC, error: str | None = None
) -> AppReport:
    return AppReport(
        name="app", project="p", cluster="c", namespace="ns", path="x", revision="r",
        sync=sync, error=error, resources=drifts,
    )  # fmt: skip


def drift(body: dict[str, Any], status: ResourceStatus, **kw: Any) -> ResourceDrift:
    return ResourceDrift(key=ResourceKey.of(body), version="v1", status=status, **kw)


def test_steps_follow_waves_then_kind_order_then_name() -> None:
    bodies = [
        obj("Deployment", "web", api="apps/v1"),
        obj("ConfigMap", "b"),
        obj("ConfigMap", "a"),
        obj("Service", "web"),
        obj("Job", "migrate", api="batch/v1", wave=-1),
        obj("Widget", "w", api="example.com/v1"),
        obj("Namespace", "ns2", meta={"namespace": ""}),
    ]
    desired = [Resource.of(b) for b in bodies]
    drifts = [drift(b, ResourceStatus.MISSING) for b in bodies]
    plan = plan_sync(report(*drifts), desired=desired, live={}, options=PlanOptions(app="app"))
    assert [s.key.name for s in plan.steps] == ["migrate", "ns2", "a", "b", "web", "web", "w"]
    assert [s.key.kind for s in plan.steps][4:6] == ["Service", "Deployment"]
    created = plan.steps[0]
    assert isinstance(created, ApplyStep)
    assert created.body["metadata"]["labels"] == {"app.kubernetes.io/instance": "app"}


def test_synced_resources_are_not_touched_and_create_namespace_comes_first() -> None:
    cm = obj("ConfigMap", "a")
    plan = plan_sync(
        report(drift(cm, ResourceStatus.SYNCED)),
        desired=[Resource.of(cm)],
        live={ResourceKey.of(cm): cm},
        options=PlanOptions(app="app", create_namespace="ns"),
    )
    assert [(s.key.kind, s.key.name) for s in plan.steps] == [("Namespace", "ns")]


def test_extra_is_pruned_only_when_enabled_and_never_with_prune_false() -> None:
    keep = obj(
        "ConfigMap",
        "keep",
        meta={"annotations": {"argocd.argoproj.io/sync-options": "Prune=false"}},
    )
    gone = obj("ConfigMap", "gone")
    wanted = obj("Service", "svc")
    drifts = [drift(keep, ResourceStatus.EXTRA), drift(gone, ResourceStatus.EXTRA),
              drift(wanted, ResourceStatus.MISSING)]  # fmt: skip
    live = {ResourceKey.of(keep): keep, ResourceKey.of(gone): gone}
    desired = [Resource.of(wanted)]
    off = plan_sync(report(*drifts), desired=desired, live=live, options=PlanOptions(app="app"))
    assert all(isinstance(s, SkipStep) for s in off.steps if s.key.kind == "ConfigMap")
    assert "pruning is disabled" in next(s for s in off.steps if s.key.name == "gone").reason  # type: ignore[union-attr]
    on = plan_sync(
        report(*drifts),
        desired=desired,
        live=live,
        options=PlanOptions(
            app="app", prune=True, sync_options=("PrunePropagationPolicy=orphan", "PruneLast=true")
        ),
    )
    by_name = {s.key.name: s for s in on.steps}
    assert isinstance(by_name["keep"], SkipStep) and "Prune=false" in by_name["keep"].reason
    pruned = by_name["gone"]
    assert isinstance(pruned, PruneStep) and pruned.propagation == "Orphan" and pruned.last
    # PruneLast: after everything else, in a wave of its own.
    assert on.steps[-1] is pruned and pruned.wave == 1


def test_empty_render_refuses_the_whole_sync_unless_allow_empty() -> None:
    extra = obj("ConfigMap", "x")
    rep = report(drift(extra, ResourceStatus.EXTRA))
    live = {ResourceKey.of(extra): extra}
    refused = plan_sync(rep, desired=[], live=live, options=PlanOptions(app="app", prune=True))
    assert refused.refused and "allowEmpty" in refused.refused and not refused.steps
    allowed = plan_sync(
        rep, desired=[], live=live, options=PlanOptions(app="app", prune=True, allow_empty=True)
    )
    assert allowed.refused is None and isinstance(allowed.steps[0], PruneStep)


def test_unknown_app_is_never_planned() -> None:
    plan = plan_sync(
        report(sync=SyncStatus.UNKNOWN, error="cluster c is unreachable"),
        desired=[Resource.of(obj("ConfigMap", "a"))],
        live={},
        options=PlanOptions(app="app", prune=True),
    )
    assert plan.refused and "Unknown" in plan.refused and "unreachable" in plan.refused
    assert plan.steps == ()


def test_ignored_fields_keep_live_values_and_removed_fields_are_listed() -> None:
    desired = obj("Deployment", "web", api="apps/v1", spec={"replicas": 2, "paused": False})
    live = obj(
        "Deployment",
        "web",
        api="apps/v1",
        spec={"replicas": 7, "paused": False, "minReadySeconds": 5},
    )
    d = drift(
        desired, ResourceStatus.OUT_OF_SYNC,
        changes=(FieldChange("spec.minReadySeconds", None, 5),),
        unmanaged=(UnmanagedChange("metadata.labels.owner", "alice", "kubectl-label"),),
    )  # fmt: skip
    rules = ({"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]},)
    options = PlanOptions(app="app", diff=DiffOptions(ignore_differences=rules))
    plan = plan_sync(report(d), desired=[Resource.of(desired)], live={d.key: live}, options=options)
    step = plan.steps[0]
    assert isinstance(step, ApplyStep)
    assert step.body["spec"]["replicas"] == 7 and step.preserved == ("spec.replicas",)
    assert step.removals == ("spec.minReadySeconds",)
    strict = plan_sync(
        report(d), desired=[Resource.of(desired)], live={d.key: live},
        options=PlanOptions(app="app", strict=True, diff=DiffOptions(ignore_differences=rules)),
    )  # fmt: skip
    assert strict.steps[0].removals == ("spec.minReadySeconds", "metadata.labels.owner")  # type: ignore[union-attr]


def test_loop_guarded_resources_are_skipped_naming_the_manager() -> None:
    cm = obj("ConfigMap", "a", data={"k": "v"})
    d = drift(cm, ResourceStatus.OUT_OF_SYNC, changes=(FieldChange("data.k", "v", "w", "fighter"),))
    plan = plan_sync(
        report(d), desired=[Resource.of(cm)], live={d.key: cm},
        options=PlanOptions(app="app", guarded={d.key: ("loop guard: fights fighter", "fighter")}),
    )  # fmt: skip
    assert plan.steps == (
        SkipStep(key=d.key, reason="loop guard: fights fighter", manager="fighter"),
    )


def test_prunes_run_in_reverse_wave_order() -> None:
    """What was created first (low wave) is deleted last, as gitops-engine swaps prune
    waves; applies keep their own waves."""
    gone = {w: obj("ConfigMap", f"w{w}", wave=w) for w in (-1, 0, 3)}
    kept = obj("ConfigMap", "kept", wave=3)
    live = {ResourceKey.of(b): b for b in [*gone.values(), kept]}
    drifts = [drift(b, ResourceStatus.EXTRA) for b in gone.values()]
    drifts.append(drift(kept, ResourceStatus.MISSING))
    plan = plan_sync(
        report(*drifts),
        desired=[Resource.of(kept)],
        live=live,
        options=PlanOptions(app="app", prune=True),
    )
    assert [(s.key.name, s.wave, type(s).__name__) for s in plan.steps] == [
        ("w3", -1, "PruneStep"),
        ("w0", 0, "PruneStep"),
        ("kept", 3, "ApplyStep"),
        ("w-1", 3, "PruneStep"),
    ]


def test_hooks_run_in_their_phases_with_fresh_names_and_tracking() -> None:
    pre = obj("Job", "", api="batch/v1", meta={
        "name": None, "generateName": "migrate-",
        "annotations": {"argocd.argoproj.io/hook": "PreSync",
                        "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"}})  # fmt: skip
    post = obj("Job", "smoke", api="batch/v1", meta={
        "annotations": {"helm.sh/hook": "post-install,post-upgrade",
                        "helm.sh/hook-weight": "5"}})  # fmt: skip
    fail = obj("Job", "page", api="batch/v1",
               meta={"annotations": {"argocd.argoproj.io/hook": "SyncFail"}})  # fmt: skip
    web = obj("Deployment", "web", api="apps/v1")
    options = PlanOptions(app="app", revision="0123456789abcdef", started=1700000000)
    plan = plan_sync(
        report(drift(web, ResourceStatus.MISSING)),
        desired=[Resource.of(web)],
        live={},
        options=options,
        hooks=[Resource.of(b) for b in (fail, post, pre)],
    )
    assert [(s.phase, s.key.name, s.wave) for s in plan.steps] == [
        ("PreSync", "migrate-0123456-presync-1700000000", 0),
        ("Sync", "web", 0),
        ("PostSync", "smoke", 5),  # Helm's weight is the wave when there is no sync-wave
        ("SyncFail", "page", 0),
    ]
    first = plan.steps[0]
    assert isinstance(first, HookStep)
    assert first.delete_policies == ("HookSucceeded",)
    assert "generateName" not in first.body["metadata"]
    assert first.body["metadata"]["labels"] == {"app.kubernetes.io/instance": "app"}
    last = plan.steps[-1]
    assert isinstance(last, HookStep) and last.delete_policies == ("BeforeHookCreation",)
    assert [s.key.name for s in plan.writes] == ["web"]
