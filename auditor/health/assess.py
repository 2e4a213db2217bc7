"""Argo CD's health assessment: one live object's health by the built-in check of its
kind (None when Argo CD has none), and an app's health as the worst of its resources'.

Pure functions of the objects. As in gitops-engine (`pkg/health/health.go`) an object
being deleted is Progressing, and an object the check cannot read is Unknown with why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditor.health.apiservice import apiservice_health
from auditor.health.cronjob import cronjob_health
from auditor.health.daemonset import daemonset_health
from auditor.health.deployment import deployment_health
from auditor.health.fields import HealthError, annotations_of, section
from auditor.health.hpa import hpa_health
from auditor.health.ingress import ingress_health
from auditor.health.job import job_health
from auditor.health.pod import pod_health
from auditor.health.pvc import pvc_health
from auditor.health.replicaset import replicaset_health
from auditor.health.rollout import rollout_health
from auditor.health.service import service_health
from auditor.health.statefulset import statefulset_health
from auditor.health.workflow import workflow_health
from auditor.model import Health, HealthStatus, ResourceKey

Check = Callable[[Mapping[str, Any]], Health]
IGNORE_HEALTH_CHECK = "argocd.argoproj.io/ignore-healthcheck"

# (group, kind) -> (API versions the check reads, None: any; the check).
CHECKS: dict[tuple[str, str], tuple[tuple[str, ...] | None, Check]] = {
    ("apps", "Deployment"): (("v1",), deployment_health),
    ("apps", "StatefulSet"): (("v1",), statefulset_health),
    ("apps", "ReplicaSet"): (("v1",), replicaset_health),
    ("apps", "DaemonSet"): (("v1",), daemonset_health),
    ("extensions", "Ingress"): (None, ingress_health),
    ("networking.k8s.io", "Ingress"): (None, ingress_health),
    ("argoproj.io", "Workflow"): (None, workflow_health),
    ("argoproj.io", "Rollout"): (None, rollout_health),
    ("apiregistration.k8s.io", "APIService"): (("v1", "v1beta1"), apiservice_health),
    ("", "Service"): (("v1",), service_health),
    ("", "PersistentVolumeClaim"): (("v1",), pvc_health),
    ("", "Pod"): (("v1",), pod_health),
    ("batch", "Job"): (("v1",), job_health),
    ("batch", "CronJob"): (None, cronjob_health),
    ("autoscaling", "HorizontalPodAutoscaler"): (None, hpa_health),
}

ORDER = (
    HealthStatus.HEALTHY,
    HealthStatus.SUSPENDED,
    HealthStatus.PROGRESSING,
    HealthStatus.MISSING,
    HealthStatus.DEGRADED,
    HealthStatus.UNKNOWN,
)
_RANK = {status: i for i, status in enumerate(ORDER)}


def has_health_check(group: str, kind: str) -> bool:
    return (group, kind) in CHECKS


def resource_health(obj: Mapping[str, Any]) -> Health | None:
    """The health of a live object, or None when its kind has no built-in check."""
    api_version = str(obj.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    kind = str(obj.get("kind") or "")
    try:
        if section(obj, "metadata").get("deletionTimestamp"):
            return Health(HealthStatus.PROGRESSING, "Pending deletion")
        found = CHECKS.get((group, kind))
        if found is None:
            return None
        versions, check = found
        if versions is not None and version not in versions:
            raise HealthError(f"unsupported {kind} GVK: {api_version}, Kind={kind}")
        return check(obj)
    except HealthError as exc:
        return Health(HealthStatus.UNKNOWN, f"failed to assess {kind}: {exc}")


def is_worse(current: HealthStatus, new: HealthStatus) -> bool:
    return _RANK[new] > _RANK[current]


def app_health(
    resources: Iterable[tuple[ResourceKey, Mapping[str, Any] | None, Health | None]],
) -> Health:
    """An app's health from its (key, live object, health) triples, as Argo CD aggregates
    it: the worst status; resources without a check, with `ignore-healthcheck: "true"`
    or not live do not count (but an app none of whose resources is live is Missing); a
    suspended Job counts as Healthy. The message names the resource that decided it."""
    status, message = HealthStatus.HEALTHY, ""
    any_resource = any_live = False
    for key, live, health in resources:
        any_resource = True
        if live is None:
            continue
        any_live = True
        if health is None or annotations_of(live).get(IGNORE_HEALTH_CHECK) == "true":
            continue
        counted = health.status
        if counted == HealthStatus.SUSPENDED and key.group == "batch" and key.kind == "Job":
            counted = HealthStatus.HEALTHY
        if is_worse(status, counted):
            status = counted
            message = f"{key}: {health.message}" if health.message else str(key)
    if any_resource and not any_live and is_worse(status, HealthStatus.MISSING):
        return Health(HealthStatus.MISSING, "no resource of the app is live")
    return Health(status, message)
