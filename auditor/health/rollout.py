"""Argo Rollouts' Rollout health (Argo CD's built-in `argoproj.io/Rollout/health.lua`):
observed generation, Degraded conditions, pauses, replica counts, then the blue-green
cutover or the canary steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import conditions, generation, items, number, section, text
from auditor.model import Health, HealthStatus

_DEGRADING = {("Progressing", "RolloutAborted"), ("Progressing", "ProgressDeadlineExceeded")}


def rollout_health(obj: Mapping[str, Any]) -> Health:
    status = section(obj, "status")
    observed = status.get("observedGeneration")
    waiting = Health(HealthStatus.PROGRESSING, "Waiting for rollout spec update to be observed")
    if obj.get("status") is None or observed is None:
        return waiting
    try:
        seen: int | None = int(str(observed))
    except ValueError:
        seen = None  # Lua's tonumber: a non-numeric generation is not compared
    if seen is not None and seen != generation(obj):
        return waiting
    for cond in conditions(status):
        kind = text(cond, "type")
        if kind == "InvalidSpec" or (kind, text(cond, "reason")) in _DEGRADING:
            return Health(HealthStatus.DEGRADED, text(cond, "message"))
    spec = section(obj, "spec")
    if items(status, "pauseConditions") or spec.get("paused") is True:
        return Health(HealthStatus.SUSPENDED, "Rollout is paused")
    pod_hash = status.get("currentPodHash")
    if pod_hash is None:
        return Health(
            HealthStatus.PROGRESSING,
            "Waiting for rollout to finish: status has not been reconciled.",
        )
    desired = number(spec, "replicas", default=1)
    replicas, updated = number(status, "replicas"), number(status, "updatedReplicas")
    available = number(status, "availableReplicas")
    if updated < desired:
        return Health(
            HealthStatus.PROGRESSING,
            "Waiting for roll out to finish: More replicas need to be updated",
        )
    if available < updated:
        return Health(
            HealthStatus.PROGRESSING,
            "Waiting for roll out to finish: updated replicas are still becoming available",
        )
    stable = _stable_rs(status)
    strategy = section(spec, "strategy")
    if strategy.get("blueGreen") is not None:
        if section(status, "blueGreen").get("activeSelector") != pod_hash:
            return Health(HealthStatus.PROGRESSING, "active service cutover pending")
        if stable and stable != pod_hash:
            return Health(HealthStatus.PROGRESSING, "waiting for analysis to complete")
    elif strategy.get("canary") is not None:
        if replicas > updated:
            return Health(
                HealthStatus.PROGRESSING,
                "Waiting for roll out to finish: old replicas are pending termination",
            )
        if not stable or stable != pod_hash:
            return Health(HealthStatus.PROGRESSING, "Waiting for rollout to finish steps")
    return Health(HealthStatus.HEALTHY)


def _stable_rs(status: Mapping[str, Any]) -> str:
    """`status.stableRS`, or the pre-v0.8 `status.canary.stableRS`."""
    if status.get("stableRS") is not None:
        return text(status, "stableRS")
    return text(section(status, "canary"), "stableRS")
