"""DaemonSet health (gitops-engine's health_daemonset.go): observed generation, OnDelete
updates, and pods updated and available on every node they are scheduled to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import number, section, text, unobserved
from auditor.model import Health, HealthStatus


def daemonset_health(obj: Mapping[str, Any]) -> Health:
    spec, status = section(obj, "spec"), section(obj, "status")
    name = text(section(obj, "metadata"), "name")
    if (behind := unobserved(obj, "daemon set")) is not None:
        return behind
    updated = number(status, "updatedNumberScheduled")
    desired = number(status, "desiredNumberScheduled")
    if text(section(spec, "updateStrategy"), "type") == "OnDelete":
        return Health(
            HealthStatus.HEALTHY,
            f"daemon set {updated} out of {desired} new pods have been updated",
        )
    if updated < desired:
        return Health(
            HealthStatus.PROGRESSING,
            f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {desired} '
            "new pods have been updated...",
        )
    available = number(status, "numberAvailable")
    if available < desired:
        return Health(
            HealthStatus.PROGRESSING,
            f'Waiting for daemon set "{name}" rollout to finish: {available} of {desired} '
            "updated pods are available...",
        )
    return Health(HealthStatus.HEALTHY)
