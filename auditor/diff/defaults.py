"""Values the API server fills in by default, recognised by path suffix and kind.

A live-only field holding its default is neither an unmanaged change (the creator's
managedFields entry records defaults too) nor a removed field (a sync would not change
it). Patterns read like paths with `*` for any list entry; `ANY` accepts every value
(allocated fields such as `clusterIP` or `nodePort`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from auditor.diff.paths import Field, Path

ANY: Final = object()
_CONTAINER = {
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": ("IfNotPresent", "Always"),
    "resources": {},
    "ports.*.protocol": "TCP",
    "livenessProbe.failureThreshold": 3,
    "livenessProbe.periodSeconds": 10,
    "livenessProbe.successThreshold": 1,
    "livenessProbe.timeoutSeconds": 1,
    "readinessProbe.failureThreshold": 3,
    "readinessProbe.periodSeconds": 10,
    "readinessProbe.successThreshold": 1,
    "readinessProbe.timeoutSeconds": 1,
    "startupProbe.failureThreshold": 3,
    "startupProbe.periodSeconds": 10,
    "startupProbe.successThreshold": 1,
    "startupProbe.timeoutSeconds": 1,
    "livenessProbe.httpGet.scheme": "HTTP",
    "readinessProbe.httpGet.scheme": "HTTP",
    "startupProbe.httpGet.scheme": "HTTP",
    "env.*.valueFrom.fieldRef.apiVersion": "v1",
    "env.*.valueFrom.resourceFieldRef.divisor": ("0", 0),
}
_POD_SPEC = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
    "enableServiceLinks": True,
    "serviceAccount": ANY,
    "volumes.*.configMap.defaultMode": 420,
    "volumes.*.secret.defaultMode": 420,
    "volumes.*.projected.defaultMode": 420,
    **{f"containers.*.{k}": v for k, v in _CONTAINER.items()},
    **{f"initContainers.*.{k}": v for k, v in _CONTAINER.items()},
}
_TEMPLATE = {f"template.spec.{k}": v for k, v in _POD_SPEC.items()}
_WORKLOAD = {
    "progressDeadlineSeconds": 600,
    "revisionHistoryLimit": 10,
    "strategy.type": "RollingUpdate",
    "strategy.rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    "strategy.rollingUpdate.maxSurge": "25%",
    "strategy.rollingUpdate.maxUnavailable": "25%",
    "podManagementPolicy": "OrderedReady",
    "updateStrategy.type": "RollingUpdate",
    "updateStrategy.rollingUpdate.partition": 0,
    "persistentVolumeClaimRetentionPolicy.whenDeleted": "Retain",
    "persistentVolumeClaimRetentionPolicy.whenScaled": "Retain",
    **_TEMPLATE,
}
_SERVICE = {
    "type": "ClusterIP",
    "sessionAffinity": "None",
    "internalTrafficPolicy": "Cluster",
    "externalTrafficPolicy": "Cluster",
    "ipFamilyPolicy": "SingleStack",
    "ipFamilies": ANY,
    "clusterIP": ANY,
    "clusterIPs": ANY,
    "ports.*.protocol": "TCP",
    "ports.*.nodePort": ANY,
    "ports.*.targetPort": ANY,
}
_WEBHOOK = {
    "webhooks.*.clientConfig.service.port": 443,
    "webhooks.*.matchPolicy": "Equivalent",
    "webhooks.*.namespaceSelector": {},
    "webhooks.*.objectSelector": {},
    "webhooks.*.reinvocationPolicy": "Never",
    "webhooks.*.sideEffects": ANY,
    "webhooks.*.timeoutSeconds": (10, 30),
    "webhooks.*.admissionReviewVersions": ANY,
    "webhooks.*.rules.*.scope": "*",
}
_BY_KIND: Final[Mapping[str, Mapping[str, Any]]] = {
    "Deployment": {f"spec.{k}": v for k, v in _WORKLOAD.items()},
    "StatefulSet": {f"spec.{k}": v for k, v in _WORKLOAD.items()},
    "DaemonSet": {f"spec.{k}": v for k, v in _WORKLOAD.items()},
    "ReplicaSet": {f"spec.{k}": v for k, v in _WORKLOAD.items()},
    "Job": {f"spec.{k}": v for k, v in _TEMPLATE.items()},
    "CronJob": {f"spec.jobTemplate.spec.{k}": v for k, v in _TEMPLATE.items()},
    "Pod": {f"spec.{k}": v for k, v in _POD_SPEC.items()},
    "Service": {f"spec.{k}": v for k, v in _SERVICE.items()},
    "MutatingWebhookConfiguration": _WEBHOOK,
    "ValidatingWebhookConfiguration": _WEBHOOK,
}


def _pattern(path: Path) -> str:
    return ".".join(seg.name if isinstance(seg, Field) else "*" for seg in path)


def is_default(path: Path, value: Any, *, kind: str) -> bool:
    """Whether `value` at `path` is what the API server would have filled in anyway."""
    table = _BY_KIND.get(kind)
    if table is None:
        return False
    expected = table.get(_pattern(path), _UNKNOWN)
    if expected is _UNKNOWN:
        return False
    if expected is ANY:
        return True
    if isinstance(expected, tuple):
        return value in expected and not isinstance(value, bool)
    return bool(value == expected and type(value) is type(expected))


_UNKNOWN: Final = object()
