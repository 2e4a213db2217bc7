"""ReplicaSet health (gitops-engine's health_replicaset.go): a ReplicaFailure condition is
Degraded, fewer available replicas than wanted is Progressing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import condition, number, optional_number, section, text, unobserved
from auditor.model import Health, HealthStatus


def replicaset_health(obj: Mapping[str, Any]) -> Health:
    spec, status = section(obj, "spec"), section(obj, "status")
    if (behind := unobserved(obj, "replica set")) is not None:
        return behind
    failure = condition(status, "ReplicaFailure")
    if failure is not None and text(failure, "status") == "True":
        return Health(HealthStatus.DEGRADED, text(failure, "message"))
    replicas = optional_number(spec, "replicas")
    available = number(status, "availableReplicas")
    if replicas is not None and available < replicas:
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for rollout to finish: {available} out of {replicas} new replicas are "
            "available...",
        )
    return Health(HealthStatus.HEALTHY)
