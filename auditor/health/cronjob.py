"""CronJob health (Argo CD's built-in `batch/CronJob/health.lua`): suspended, active jobs
running, or whether the last scheduled run completed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import items, section, text
from auditor.model import Health, HealthStatus


def cronjob_health(obj: Mapping[str, Any]) -> Health:
    if section(obj, "spec").get("suspend") is True:
        return Health(HealthStatus.SUSPENDED, "CronJob is Suspended")
    if obj.get("status") is None:
        return Health(HealthStatus.PROGRESSING, "Waiting for CronJob")
    status = section(obj, "status")
    active = items(status, "active")
    if active:
        return Health(HealthStatus.PROGRESSING, f"Waiting for {len(active)} Jobs to complete")
    scheduled, succeeded = text(status, "lastScheduleTime"), text(status, "lastSuccessfulTime")
    if not scheduled:
        return Health(HealthStatus.HEALTHY)
    # RFC 3339 times in UTC compare as text, as the Lua check does.
    if not succeeded or succeeded < scheduled:
        return Health(
            HealthStatus.DEGRADED, "CronJob has not completed its last execution successfully"
        )
    return Health(HealthStatus.HEALTHY, "CronJob has completed its last execution successfully")
