"""HorizontalPodAutoscaler health (gitops-engine's health_hpa.go): its conditions (v2, or
autoscaling/v1's conditions annotation) decide. Any failing condition (scale or metric
could not be read) is Degraded, even after an `AbleToScale: True` (as in Argo CD's
current check and its "degraded partially" case); else AbleToScale/ScalingLimited True is
Healthy; else Progressing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from auditor.health.fields import HealthError, annotations_of, conditions, section, text
from auditor.model import Health, HealthStatus

CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
_WAITING = Health(HealthStatus.PROGRESSING, "Waiting to Autoscale")
_DEGRADED = {
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "FailedGetContainerResourceMetric"),
    ("ScalingActive", "FailedGetPodsMetric"),
    ("ScalingActive", "FailedGetObjectMetric"),
    ("ScalingActive", "FailedGetExternalMetric"),
    ("ScalingActive", "InvalidSelector"),
}
_HEALTHY_TYPES = ("AbleToScale", "ScalingLimited")
VERSIONS = ("v1", "v2beta1", "v2beta2", "v2")


def hpa_health(obj: Mapping[str, Any]) -> Health:
    version = str(obj.get("apiVersion") or "").rpartition("/")[2]
    if version not in VERSIONS:
        raise HealthError(f"unsupported HPA GVK: autoscaling/{version}, HorizontalPodAutoscaler")
    if version != "v1":
        return _from_conditions(conditions(section(obj, "status")))
    raw = annotations_of(obj).get(CONDITIONS_ANNOTATION)
    if raw is None:
        return _WAITING
    try:
        parsed = json.loads(str(raw))
    except ValueError as exc:
        raise HealthError(f"failed to convert conditions annotation to typed: {exc}") from exc
    if not isinstance(parsed, list):
        raise HealthError("failed to convert conditions annotation to typed: not a list")
    return _from_conditions([c for c in parsed if isinstance(c, Mapping)])


def _from_conditions(found: Sequence[Mapping[str, Any]]) -> Health:
    for cond in found:
        if (text(cond, "type"), text(cond, "reason")) in _DEGRADED:
            return Health(HealthStatus.DEGRADED, text(cond, "message"))
    for cond in found:
        if text(cond, "type") in _HEALTHY_TYPES and text(cond, "status") == "True":
            return Health(HealthStatus.HEALTHY, text(cond, "message"))
    return _WAITING
