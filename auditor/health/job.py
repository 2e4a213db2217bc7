"""Job health (gitops-engine's health_job.go): Failed is Degraded, Complete is Healthy, a
suspended Job is Suspended (and counts as Healthy for its app), otherwise Progressing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import conditions, section, text
from auditor.model import Health, HealthStatus


def job_health(obj: Mapping[str, Any]) -> Health:
    failed = complete = suspended = False
    fail_message = message = ""
    for cond in conditions(section(obj, "status")):
        kind = text(cond, "type")
        if kind == "Failed":
            failed = complete = True
            fail_message = text(cond, "message")
        elif kind == "Complete":
            complete = True
            message = text(cond, "message")
        elif kind == "Suspended":
            complete = True
            message = text(cond, "message")
            suspended = suspended or text(cond, "status") == "True"
    if not complete:
        return Health(HealthStatus.PROGRESSING, message)
    if failed:
        return Health(HealthStatus.DEGRADED, fail_message)
    if suspended:
        return Health(HealthStatus.SUSPENDED, message)
    return Health(HealthStatus.HEALTHY, message)
