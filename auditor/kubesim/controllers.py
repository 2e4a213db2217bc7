"""Instant controllers: workload status follows spec as if every pod became ready at once.

Deployments, StatefulSets, ReplicaSets and DaemonSets get the status a settled controller
would write (replica counts, observedGeneration, conditions), HorizontalPodAutoscalers the
conditions of one able to scale, and Jobs run to completion at once (or fail, when
annotated `kubesim.gitops-auditor.io/job-result: Failed`, for trying failing hooks), all
through the `status` subresource as `kube-controller-manager`, so health checks see
realistic objects.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from auditor.kubesim.objects import clone
from auditor.kubesim.resources import ResourceType

if TYPE_CHECKING:
    from auditor.kubesim.cluster import Cluster

MANAGER = "kube-controller-manager"
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Any) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_HASH_ALPHABET[b % len(_HASH_ALPHABET)] for b in digest[:10])


def _nonzero(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if v not in (0, None)}


def _condition(
    old: list[dict[str, Any]], now: str, kind: str, status: str, reason: str, message: str
) -> dict[str, Any]:
    prev = next((c for c in old if c.get("type") == kind), None)
    same = prev is not None and prev.get("status") == status and prev.get("reason") == reason
    since = prev.get("lastTransitionTime", now) if same and prev else now
    updated = prev.get("lastUpdateTime", now) if same and prev else now
    return {
        "lastTransitionTime": since,
        "lastUpdateTime": updated,
        "message": message,
        "reason": reason,
        "status": status,
        "type": kind,
    }


def deployment_status(obj: dict[str, Any], now: str) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    name = obj["metadata"]["name"]
    n = int(spec.get("replicas", 1))
    old = list((obj.get("status") or {}).get("conditions") or [])
    rs = f"{name}-{template_hash(spec.get('template'))}"
    if spec.get("paused"):
        progressing = _condition(
            old, now, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"
        )
    else:
        progressing = _condition(
            old,
            now,
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs}" has successfully progressed.',
        )
    available = _condition(
        old,
        now,
        "Available",
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
    )
    status = _nonzero(
        {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": n,
            "updatedReplicas": n,
            "readyReplicas": n,
            "availableReplicas": n,
        }
    )
    status["conditions"] = [available, progressing]
    return status


def statefulset_status(obj: dict[str, Any], now: str) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    n = int(spec.get("replicas", 1))
    revision = f"{obj['metadata']['name']}-{template_hash(spec.get('template'))}"
    status = _nonzero(
        {
            "observedGeneration": obj["metadata"].get("generation", 1),
            "replicas": n,
            "readyReplicas": n,
            "currentReplicas": n,
            "updatedReplicas": n,
            "availableReplicas": n,
        }
    )
    status.update({"replicas": n, "currentRevision": revision, "updateRevision": revision})
    status["collisionCount"] = 0
    return status


def replicaset_status(obj: dict[str, Any], now: str) -> dict[str, Any]:
    n = int((obj.get("spec") or {}).get("replicas", 1))
    status = _nonzero(
        {
            "fullyLabeledReplicas": n,
            "readyReplicas": n,
            "availableReplicas": n,
            "observedGeneration": obj["metadata"].get("generation", 1),
        }
    )
    status["replicas"] = n
    return status


def daemonset_status(obj: dict[str, Any], now: str) -> dict[str, Any]:
    # One simulated node runs one pod of every DaemonSet.
    return {
        "currentNumberScheduled": 1,
        "desiredNumberScheduled": 1,
        "numberAvailable": 1,
        "numberMisscheduled": 0,
        "numberReady": 1,
        "observedGeneration": obj["metadata"].get("generation", 1),
        "updatedNumberScheduled": 1,
    }


def hpa_status(obj: dict[str, Any], now: str) -> dict[str, Any]:
    """An HPA that reads its metrics and keeps its target at `minReplicas`."""
    spec = obj.get("spec") or {}
    n = int(spec.get("minReplicas", 1))
    old = list((obj.get("status") or {}).get("conditions") or [])

    def cond(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
        out = _condition(old, now, kind, status, reason, message)
        out.pop("lastUpdateTime", None)  # HPA conditions carry a transition time only
        return out

    return {
        "conditions": [
            cond(
                "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"
            ),
            cond(
                "ScalingActive",
                "True",
                "ValidMetricFound",
                "the HPA was able to successfully calculate a replica count from cpu resource "
                "utilization (percentage of request)",
            ),
            cond(
                "ScalingLimited",
                "False",
                "DesiredWithinRange",
                "the desired count is within the acceptable range",
            ),
        ],
        "currentReplicas": n,
        "desiredReplicas": n,
    }


JOB_RESULT = "kubesim.gitops-auditor.io/job-result"


def job_status(obj: dict[str, Any], now: str) -> dict[str, Any] | None:
    """A Job runs to completion at once (`Failed` when annotated so); None: leave it."""
    current = obj.get("status") or {}
    done = {c.get("type") for c in current.get("conditions") or []}
    if done & {"Complete", "Failed"} or (obj.get("spec") or {}).get("suspend"):
        return None
    annotations = obj["metadata"].get("annotations") or {}
    base = {"startTime": now, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}}
    if annotations.get(JOB_RESULT) == "Failed":
        message = "Job has reached the specified backoff limit"
        reason = "BackoffLimitExceeded"
        conditions = [
            {"lastProbeTime": now, "lastTransitionTime": now, "message": message,
             "reason": reason, "status": "True", "type": "FailureTarget"},
            {"lastProbeTime": now, "lastTransitionTime": now, "message": message,
             "reason": reason, "status": "True", "type": "Failed"},
        ]  # fmt: skip
        return {**base, "conditions": conditions, "failed": 1}
    message = "Reached expected number of succeeded pods"
    conditions = [
        {"lastProbeTime": now, "lastTransitionTime": now, "message": message,
         "reason": "CompletionsReached", "status": "True", "type": "SuccessCriteriaMet"},
        {"lastProbeTime": now, "lastTransitionTime": now, "message": message,
         "reason": "CompletionsReached", "status": "True", "type": "Complete"},
    ]  # fmt: skip
    return {**base, "completionTime": now, "conditions": conditions, "succeeded": 1}


_STATUS: dict[tuple[str, str], Any] = {
    ("apps", "Deployment"): deployment_status,
    ("apps", "StatefulSet"): statefulset_status,
    ("apps", "ReplicaSet"): replicaset_status,
    ("apps", "DaemonSet"): daemonset_status,
    ("autoscaling", "HorizontalPodAutoscaler"): hpa_status,
    ("batch", "Job"): job_status,
}


def react(cluster: Cluster, rt: ResourceType, obj: dict[str, Any]) -> None:
    fn = _STATUS.get((rt.group, rt.kind))
    if fn is None or obj["metadata"].get("deletionTimestamp"):
        return
    status = fn(obj, cluster.now())
    if status is None:
        return
    if status == obj.get("status"):
        return
    from auditor.kubesim.cluster import WriteOptions

    new = clone(obj)
    new["status"] = status
    new["metadata"].pop("managedFields", None)
    opts = WriteOptions(manager=MANAGER, subresource="status")
    cluster._update_from(rt, rt.version, obj, new, opts)
