"""APIService health (gitops-engine's health_apiservice.go): its Available condition,
Progressing until it is True."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import condition, section, text
from auditor.model import Health, HealthStatus


def apiservice_health(obj: Mapping[str, Any]) -> Health:
    available = condition(section(obj, "status"), "Available")
    if available is None:
        return Health(HealthStatus.PROGRESSING, "Waiting to be processed")
    message = f"{text(available, 'reason')}: {text(available, 'message')}"
    if text(available, "status") == "True":
        return Health(HealthStatus.HEALTHY, message)
    return Health(HealthStatus.PROGRESSING, message)
