"""Argo Workflows' Workflow health (gitops-engine's health_argo.go): by `status.phase`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import section, text
from auditor.model import Health, HealthStatus

_BY_PHASE = {
    "": HealthStatus.PROGRESSING,
    "Pending": HealthStatus.PROGRESSING,
    "Running": HealthStatus.PROGRESSING,
    "Succeeded": HealthStatus.HEALTHY,
    "Failed": HealthStatus.DEGRADED,
    "Error": HealthStatus.DEGRADED,
}


def workflow_health(obj: Mapping[str, Any]) -> Health:
    status = section(obj, "status")
    found = _BY_PHASE.get(text(status, "phase"), HealthStatus.UNKNOWN)
    return Health(found, text(status, "message"))
