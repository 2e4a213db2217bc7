"""Sync planning, pure: from an app's report (drift), its desired objects, its hooks, the
live ones and the sync policy, the ordered steps a heal runs (run hook H, apply X, prune
Y, skip Z because ...) by phase and wave, or the reason the whole sync is refused. No IO,
no clock (the sync's start time comes in the options, for generateName hooks).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.diff.options import DiffOptions
from auditor.diff.paths import render
from auditor.live.tracking import with_tracking
from auditor.model import (
    AppReport,
    FieldChange,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
    sync_option,
)
from auditor.remediate.hooks import delete_policies, hook_name, hook_phases
from auditor.remediate.order import order_key, resource_options, sync_wave
from auditor.remediate.preserve import keep_live, preserved_paths

PROPAGATION = {"foreground": "Foreground", "background": "Background", "orphan": "Orphan"}


@dataclass(frozen=True)
class ApplyStep:
    """Server-side apply `body`; then remove `removals` (display paths) from the result."""

    key: ResourceKey
    body: Mapping[str, Any]
    wave: int = 0
    changes: tuple[FieldChange, ...] = ()
    removals: tuple[str, ...] = ()
    preserved: tuple[str, ...] = ()
    reason: str = ""
    phase: str = "Sync"


@dataclass(frozen=True)
class PruneStep:
    """Delete a live object Git no longer declares."""

    key: ResourceKey
    wave: int = 0
    propagation: str = "Foreground"
    last: bool = False
    phase: str = "Sync"


@dataclass(frozen=True)
class SkipStep:
    """An object the sync leaves alone, and why (`manager`: who it fights)."""

    key: ResourceKey
    reason: str
    wave: int = 0
    manager: str = ""
    phase: str = "Sync"


@dataclass(frozen=True)
class HookStep:
    """Create a resource hook in its phase and wave, wait until it completes (its health
    is Healthy or Degraded), then apply its delete policies."""

    key: ResourceKey
    body: Mapping[str, Any]
    phase: str
    wave: int = 0
    delete_policies: tuple[str, ...] = ()


Step = ApplyStep | PruneStep | SkipStep | HookStep


@dataclass(frozen=True)
class PlanOptions:
    """How to sync: pruning, the app's sync options, strictness, tracking, guarded objects.

    `create_namespace` is the destination namespace to create first (CreateNamespace=true
    and it is not live); `guarded` maps a loop-guarded resource to (reason, manager)."""

    app: str
    prune: bool = False
    allow_empty: bool = False
    sync_options: tuple[str, ...] = ()
    strict: bool = False
    label_key: str = "app.kubernetes.io/instance"
    tracking: str = "label"  # how a created object is tracked: label, annotation, both
    create_namespace: str = ""
    diff: DiffOptions = field(default_factory=DiffOptions)
    guarded: Mapping[ResourceKey, tuple[str, str]] = field(default_factory=dict)
    revision: str = ""
    started: int = 0

    def option(self, name: str) -> str | None:
        return sync_option(self.sync_options, name)


@dataclass(frozen=True)
class SyncPlan:
    """The ordered steps of one app's sync, or `refused` with the reason nothing may run."""

    app: str
    steps: tuple[Step, ...] = ()
    refused: str | None = None

    @property
    def writes(self) -> tuple[ApplyStep | PruneStep, ...]:
        return tuple(s for s in self.steps if isinstance(s, ApplyStep | PruneStep))

    @property
    def hooks(self) -> tuple[HookStep, ...]:
        return tuple(s for s in self.steps if isinstance(s, HookStep))


def plan_sync(
    report: AppReport,
    *,
    desired: Sequence[Resource],
    live: Mapping[ResourceKey, Mapping[str, Any]],
    options: PlanOptions,
    hooks: Sequence[Resource] = (),
) -> SyncPlan:
    """The steps that make the cluster match Git for this app, in Argo CD's order: hooks
    in their phases, resources in the Sync phase by wave, prunes in reverse wave order."""
    if report.sync == SyncStatus.UNKNOWN:
        why = report.error or "its live state could not be read"
        return SyncPlan(app=report.name, refused=f"app is Unknown ({why}): never healed or pruned")
    if not desired and not options.allow_empty:
        return SyncPlan(
            app=report.name,
            refused="the render is empty and allowEmpty is false: refusing a sync that "
            "would prune every resource of the app",
        )
    by_key = {r.key: r for r in desired}
    steps: list[Step] = []
    for drift in report.resources:
        step = _step(drift, by_key.get(drift.key), live.get(drift.key), options=options)
        if step is not None:
            steps.append(step)
    steps = _prune_last(_reverse_prune_waves(steps), options)
    steps += [h for hook in hooks for h in hook_steps(hook, options=options)]
    steps.sort(key=lambda s: order_key(wave=s.wave, key=s.key, phase=s.phase))
    if options.create_namespace:
        steps.insert(0, _namespace_step(options.create_namespace))
    return SyncPlan(app=report.name, steps=tuple(steps))


def hook_steps(hook: Resource, *, options: PlanOptions) -> list[HookStep]:
    """One step per phase the hook runs in, named (generateName) and tracked as the app's,
    as Argo CD creates it."""
    out = []
    for phase in hook_phases(hook.body):
        body = copy.deepcopy(dict(hook.body))
        meta = body.setdefault("metadata", {})
        name = hook_name(body, revision=options.revision, phase=phase, started=options.started)
        meta["name"] = name
        meta.pop("generateName", None)
        meta["labels"] = {**(meta.get("labels") or {}), options.label_key: options.app}
        out.append(
            HookStep(
                key=ResourceKey(hook.key.group, hook.key.kind, hook.key.namespace, name),
                body=body,
                phase=phase,
                wave=sync_wave(hook.body),
                delete_policies=delete_policies(hook.body),
            )
        )
    return out


def _step(
    drift: ResourceDrift,
    resource: Resource | None,
    live: Mapping[str, Any] | None,
    *,
    options: PlanOptions,
) -> Step | None:
    key = drift.key
    strict_fix = options.strict and bool(drift.unmanaged)
    if drift.status == ResourceStatus.SYNCED and not strict_fix:
        return None
    if drift.shared_with:
        others = ", ".join(drift.shared_with)
        return SkipStep(
            key=key,
            reason=f"shared with {others} (SharedResourceWarning): never healed or pruned "
            "while another app declares it",
            wave=sync_wave(live),
        )
    if key in options.guarded:
        reason, manager = options.guarded[key]
        return SkipStep(key=key, reason=reason, wave=sync_wave(live), manager=manager)
    if drift.status == ResourceStatus.EXTRA:
        return _prune_step(key, live, options=options)
    if resource is None:
        return SkipStep(key=key, reason="not in the render (nothing to apply)")
    return _apply_step(drift, resource, live, options=options)


def _apply_step(
    drift: ResourceDrift,
    resource: Resource,
    live: Mapping[str, Any] | None,
    *,
    options: PlanOptions,
) -> ApplyStep:
    kept = preserved_paths(resource.body, live, key=drift.key, options=options.diff)
    body = keep_live(resource.body, live, kept)
    if live is None:  # Missing: tracked as this app's from its creation on
        tracked = with_tracking(body, {"metadata": {}}, app=options.app,
                                label_key=options.label_key, method=options.tracking)  # fmt: skip
        body = dict(tracked)
    removals = [c.path for c in drift.changes if c.desired is None and c.live is not None]
    changes = list(drift.changes)
    if options.strict:
        removals += [u.path for u in drift.unmanaged]
        changes += [FieldChange(u.path, None, u.live, u.manager, u.time) for u in drift.unmanaged]
    reason = "Missing: created" if live is None else "OutOfSync"
    return ApplyStep(
        key=drift.key,
        body=body,
        wave=sync_wave(resource.body),
        changes=tuple(changes),
        removals=tuple(removals),
        preserved=tuple(render(p) for p in kept),
        reason=reason,
    )


def _prune_step(
    key: ResourceKey, live: Mapping[str, Any] | None, *, options: PlanOptions
) -> SkipStep | PruneStep:
    wave = sync_wave(live)
    if not options.prune:
        return SkipStep(
            key=key,
            reason="Extra: pruning is disabled (--prune or syncPolicy.automated.prune)",
            wave=wave,
        )
    per_resource = resource_options(live)
    if per_resource.get("Prune", "").lower() == "false":
        return SkipStep(key=key, reason="Extra: annotated Prune=false, never pruned", wave=wave)
    policy = (options.option("PrunePropagationPolicy") or "foreground").lower()
    last = (options.option("PruneLast") or "").lower() == "true" or (
        per_resource.get("PruneLast", "").lower() == "true"
    )
    return PruneStep(
        key=key, wave=wave, propagation=PROPAGATION.get(policy, "Foreground"), last=last
    )


def _reverse_prune_waves(steps: list[Step]) -> list[Step]:
    """Prunes run in reverse wave order (gitops-engine swaps the prune waves end for end:
    what was created first is deleted last)."""
    waves = sorted({s.wave for s in steps if isinstance(s, PruneStep)})
    swapped = dict(zip(waves, reversed(waves), strict=True))
    return [replace(s, wave=swapped[s.wave]) if isinstance(s, PruneStep) else s for s in steps]


def _prune_last(steps: list[Step], options: PlanOptions) -> list[Step]:
    """PruneLast prunes run in a wave after every other step."""
    if not any(isinstance(s, PruneStep) and s.last for s in steps):
        return steps
    final = max((s.wave for s in steps), default=0) + 1
    return [
        PruneStep(key=s.key, wave=final, propagation=s.propagation, last=True)
        if isinstance(s, PruneStep) and s.last
        else s
        for s in steps
    ]


def _namespace_step(namespace: str) -> ApplyStep:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    return ApplyStep(
        key=ResourceKey("", "Namespace", "", namespace),
        body=copy.deepcopy(body),
        wave=0,
        reason="CreateNamespace=true: destination namespace created first",
        phase="PreSync",
    )
