"""Argo CD's apply order (gitops-engine's sync tasks): sync wave, then kind, then name.

Kinds not in the list (custom resources) come last; within a wave Namespaces and CRDs
come before what needs them. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.model import ResourceKey

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"

# gitops-engine's kind order (Helm's install order).
KIND_ORDER: tuple[str, ...] = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
)
_RANK = {kind: i for i, kind in enumerate(KIND_ORDER)}


def kind_rank(kind: str) -> int:
    """Position of a kind in the apply order; unknown kinds (custom resources) last."""
    return _RANK.get(kind, len(KIND_ORDER))


def sync_wave(obj: Mapping[str, Any] | None) -> int:
    """The object's `argocd.argoproj.io/sync-wave` (0 when absent or not an integer)."""
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    raw = str(annotations.get(SYNC_WAVE, "0")).strip()
    try:
        return int(raw)
    except ValueError:
        return 0


def resource_options(obj: Mapping[str, Any] | None) -> dict[str, str]:
    """The per-resource `argocd.argoproj.io/sync-options` (`Prune=false,Delete=false`)."""
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    out: dict[str, str] = {}
    for option in str(annotations.get(SYNC_OPTIONS, "")).split(","):
        name, _, value = option.strip().partition("=")
        if name:
            out[name.strip()] = value.strip()
    return out


def order_key(*, wave: int, key: ResourceKey) -> tuple[int, int, str, str]:
    return (wave, kind_rank(key.kind), key.name, key.namespace)
