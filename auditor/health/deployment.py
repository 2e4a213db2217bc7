"""Deployment health (gitops-engine's health_deployment.go): paused is Suspended, a
progress deadline exceeded is Degraded, a rollout under way is Progressing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import condition, number, optional_number, section, text, unobserved
from auditor.model import Health, HealthStatus


def deployment_health(obj: Mapping[str, Any]) -> Health:
    spec, status = section(obj, "spec"), section(obj, "status")
    if spec.get("paused") is True:
        return Health(HealthStatus.SUSPENDED, "Deployment is paused")
    if (behind := unobserved(obj, "deployment")) is not None:
        return behind
    progressing = condition(status, "Progressing")
    replicas = optional_number(spec, "replicas")
    updated = number(status, "updatedReplicas")
    current = number(status, "replicas")
    available = number(status, "availableReplicas")
    if progressing is not None and text(progressing, "reason") == "ProgressDeadlineExceeded":
        name = text(section(obj, "metadata"), "name")
        return Health(HealthStatus.DEGRADED, f'Deployment "{name}" exceeded its progress deadline')
    if replicas is not None and updated < replicas:
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for rollout to finish: {updated} out of {replicas} new replicas have "
            "been updated...",
        )
    if current > updated:
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for rollout to finish: {current - updated} old replicas are pending "
            "termination...",
        )
    if available < updated:
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for rollout to finish: {available} of {updated} updated replicas are "
            "available...",
        )
    return Health(HealthStatus.HEALTHY)
