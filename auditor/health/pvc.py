"""PersistentVolumeClaim health (gitops-engine's health_pvc.go): Bound is Healthy, Lost is
Degraded; Pending is Progressing while a provisioner works on it, else Healthy (waiting
for its first consumer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.health.fields import annotations_of, section, text
from auditor.model import Health, HealthStatus

PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"


def pvc_health(obj: Mapping[str, Any]) -> Health:
    phase = text(section(obj, "status"), "phase")
    if phase == "Lost":
        return Health(HealthStatus.DEGRADED)
    if phase == "Bound":
        return Health(HealthStatus.HEALTHY)
    if phase == "Pending":
        if PROVISIONER in annotations_of(obj):
            return Health(HealthStatus.PROGRESSING, "Provisioning volume")
        return Health(HealthStatus.HEALTHY, "Waiting for consumer")
    return Health(HealthStatus.UNKNOWN)
