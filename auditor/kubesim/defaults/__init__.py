"""Defaulting as the real API server does it, one module per family of kinds.

`apply_defaults()` is the single entry point the core calls on every write (after patching,
before validation); custom resources take the `default:` values of their CRD schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from auditor.kubemeta.schema import Node
from auditor.kubesim.defaults import misc, pod, workloads
from auditor.kubesim.defaults.service import IpAllocator, endpoints, service
from auditor.kubesim.resources import ResourceType

__all__ = ["IpAllocator", "apply_defaults"]

_BY_KIND: dict[tuple[str, str], Callable[[dict[str, Any]], None]] = {
    ("apps", "Deployment"): workloads.deployment,
    ("apps", "StatefulSet"): workloads.statefulset,
    ("apps", "DaemonSet"): workloads.daemonset,
    ("apps", "ReplicaSet"): workloads.replicaset,
    ("", "ReplicationController"): workloads.replication_controller,
    ("batch", "Job"): workloads.job,
    ("batch", "CronJob"): workloads.cronjob,
    ("", "Pod"): pod.pod,
    ("", "PodTemplate"): lambda o: pod.pod_template(o.get("template")),
    ("", "Namespace"): misc.namespace,
    ("", "Secret"): misc.secret,
    ("", "PersistentVolumeClaim"): misc.pvc,
    ("", "Endpoints"): endpoints,
    ("autoscaling", "HorizontalPodAutoscaler"): misc.hpa,
    ("networking.k8s.io", "Ingress"): misc.ingress,
    ("networking.k8s.io", "NetworkPolicy"): misc.network_policy,
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): lambda o: misc.webhooks(
        o, mutating=True
    ),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): lambda o: misc.webhooks(
        o, mutating=False
    ),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): misc.crd,
}


def apply_defaults(rt: ResourceType, obj: dict[str, Any], *, allocator: IpAllocator) -> None:
    """Fill in server defaults in place."""
    if rt.is_custom:
        schema_defaults(obj, rt.root())
        return
    if (rt.group, rt.kind) == ("", "Service"):
        service(obj, allocator=allocator)
        return
    fn = _BY_KIND.get((rt.group, rt.kind))
    if fn is not None:
        fn(obj)


def schema_defaults(value: Any, node: Node | None) -> None:
    if node is None:
        return
    if isinstance(value, dict):
        if node.kind == "struct":
            props = node.raw.get("properties") or {}
            for key in props:
                child = node.field(key)
                if key not in value and child is not None and child.default is not None:
                    value[key] = copy.deepcopy(child.default)
            for key, sub in value.items():
                if key in props:
                    schema_defaults(sub, node.field(key))
        elif node.kind == "map":
            for sub in value.values():
                schema_defaults(sub, node.element())
    elif isinstance(value, list) and node.kind == "list":
        for item in value:
            schema_defaults(item, node.element())
