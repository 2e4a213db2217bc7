"""Argo CD's apply order (gitops-engine's sync tasks): sync phase (PreSync, Sync,
PostSync, SyncFail), then sync wave, then kind, then name.

Kinds not in the list (custom resources) come last; within a wave Namespaces and CRDs
come before what needs them. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.model import ResourceKey

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
HELM_HOOK_WEIGHT = "helm.sh/hook-weight"
PHASE_ORDER = ("PreSync", "Sync", "PostSync", "SyncFail")

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
    """The object's `argocd.argoproj.io/sync-wave`, else its `helm.sh/hook-weight` (as
    gitops-engine's syncwaves), 0 when neither is an integer."""
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    for key in (SYNC_WAVE, HELM_HOOK_WEIGHT):
        try:
            return int(str(annotations[key]).strip())
        except (KeyError, ValueError):
            continue
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


def order_key(
    *, wave: int, key: ResourceKey, phase: str = "Sync"
) -> tuple[int, int, int, str, str]:
    return (PHASE_ORDER.index(phase), wave, kind_rank(key.kind), key.name, key.namespace)
