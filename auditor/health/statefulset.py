"""StatefulSet health (gitops-engine's health_statefulset.go): observed generation, ready
pods, partitioned and OnDelete updates, and the rolling update's revisions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import generation, number, optional_number, section, text
from auditor.model import Health, HealthStatus


def statefulset_health(obj: Mapping[str, Any]) -> Health:
    spec, status = section(obj, "spec"), section(obj, "status")
    observed = number(status, "observedGeneration")
    if observed == 0 or generation(obj) > observed:
        return Health(
            HealthStatus.PROGRESSING, "Waiting for statefulset spec update to be observed..."
        )
    replicas = optional_number(spec, "replicas")
    ready = number(status, "readyReplicas")
    if replicas is not None and ready < replicas:
        return Health(
            HealthStatus.PROGRESSING, f"Waiting for {replicas - ready} pods to be ready..."
        )
    strategy = section(spec, "updateStrategy")
    kind = text(strategy, "type")
    updated = number(status, "updatedReplicas")
    rolling = strategy.get("rollingUpdate")
    if kind == "RollingUpdate" and isinstance(rolling, Mapping):
        partition = optional_number(rolling, "partition")
        if replicas is not None and partition is not None and updated < replicas - partition:
            return Health(
                HealthStatus.PROGRESSING,
                "Waiting for partitioned roll out to finish: "
                f"{updated} out of {replicas - partition} new pods have been updated...",
            )
        return Health(
            HealthStatus.HEALTHY,
            f"partitioned roll out complete: {updated} new pods have been updated...",
        )
    if kind == "OnDelete":
        return Health(HealthStatus.HEALTHY, f"statefulset has {ready} ready pods")
    update_revision, current_revision = (
        text(status, "updateRevision"),
        text(status, "currentRevision"),
    )
    if update_revision != current_revision:
        return Health(
            HealthStatus.PROGRESSING,
            f"waiting for statefulset rolling update to complete {updated} pods at revision "
            f"{update_revision}...",
        )
    return Health(
        HealthStatus.HEALTHY,
        f"statefulset rolling update complete {number(status, 'currentReplicas')} pods at "
        f"revision {current_revision}...",
    )
