"""The simulator's instant controllers write the status real controllers write, so Argo
CD's health checks read the simulated objects as they read real ones."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.health import resource_health
from auditor.kubesim.cluster import Cluster, WriteOptions
from auditor.kubesim.controllers import JOB_RESULT
from auditor.kubesim.resources import ResourceType, builtin_types
from auditor.kubesim.server import bootstrap
from auditor.model import HealthStatus

OPTS = WriteOptions(manager="test")
POD = {"containers": [{"name": "c", "image": "busybox:1.36"}], "restartPolicy": "Never"}


def rt(group: str, kind: str) -> ResourceType:
    return next(r for r in builtin_types() if (r.group, r.kind) == (group, kind))


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster()
    bootstrap(c)
    return c


def created(cluster: Cluster, group: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    kind_rt = rt(group, kind)
    obj = cluster.create(kind_rt, kind_rt.version, "default", body, OPTS)
    return cluster.get(kind_rt, "default", obj["metadata"]["name"])


def test_a_deployment_settles_healthy(cluster: Cluster) -> None:
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {**POD, "restartPolicy": "Always"},
            },
        },
    }
    live = created(cluster, "apps", "Deployment", body)
    health = resource_health(live)
    assert health is not None and health.status == HealthStatus.HEALTHY


def test_an_hpa_reports_it_can_scale(cluster: Cluster) -> None:
    body = {
        "metadata": {"name": "web"},
        "spec": {
            "minReplicas": 2,
            "maxReplicas": 5,
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        },
    }
    live = created(cluster, "autoscaling", "HorizontalPodAutoscaler", body)
    assert {c["type"] for c in live["status"]["conditions"]} == {
        "AbleToScale", "ScalingActive", "ScalingLimited"
    }  # fmt: skip
    health = resource_health(live)
    assert health is not None and health.status == HealthStatus.HEALTHY


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [({}, HealthStatus.HEALTHY), ({JOB_RESULT: "Failed"}, HealthStatus.DEGRADED)],
)
def test_a_job_runs_to_its_end_at_once(
    cluster: Cluster, annotations: dict[str, str], expected: HealthStatus
) -> None:
    body = {
        "metadata": {"name": "migrate", "annotations": annotations},
        "spec": {"template": {"spec": POD}},
    }
    live = created(cluster, "batch", "Job", body)
    health = resource_health(live)
    assert health is not None and health.status == expected
    managers = {e["manager"] for e in live["metadata"]["managedFields"]}
    assert "kube-controller-manager" in managers


def test_a_suspended_job_is_left_alone(cluster: Cluster) -> None:
    body = {"metadata": {"name": "later"}, "spec": {"suspend": True, "template": {"spec": POD}}}
    live = created(cluster, "batch", "Job", body)
    assert not (live.get("status") or {}).get("conditions")
