"""Which kinds are cluster-scoped, for Argo CD's namespacing rule.

Built-in cluster-scoped kinds keyed by (API group, kind), plus the kinds that
CustomResourceDefinitions in the same render declare `scope: Cluster`, plus what the caller
knows from cluster discovery. Used by `renderer.py`; unknown kinds are namespaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BUILTIN_CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("resource.k8s.io", "DeviceTaintRule"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
        ("policy", "PodSecurityPolicy"),
        ("extensions", "PodSecurityPolicy"),
    }
)

_CRD = ("apiextensions.k8s.io", "CustomResourceDefinition")


def api_group(body: Mapping[str, Any]) -> str:
    """The API group of an object (empty for the core group)."""
    return str(body.get("apiVersion") or "").rpartition("/")[0]


def declared_cluster_scoped(bodies: Iterable[Mapping[str, Any]]) -> frozenset[tuple[str, str]]:
    """(group, kind) of each CRD among `bodies` that declares `spec.scope: Cluster`."""
    found: set[tuple[str, str]] = set()
    for body in bodies:
        if (api_group(body), body.get("kind")) != _CRD:
            continue
        spec = body.get("spec")
        if not isinstance(spec, Mapping) or spec.get("scope") != "Cluster":
            continue
        names = spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        if isinstance(kind, str) and kind:
            found.add((str(spec.get("group") or ""), kind))
    return frozenset(found)


class ScopeTable:
    """Answers "is (group, kind) cluster-scoped?" from the built-ins plus extra kinds."""

    def __init__(self, extra: Iterable[tuple[str, str]] = ()) -> None:
        self._cluster_scoped = BUILTIN_CLUSTER_SCOPED | frozenset(
            (str(group), str(kind)) for group, kind in extra
        )

    def with_kinds(self, kinds: Iterable[tuple[str, str]]) -> ScopeTable:
        """A table that also knows `kinds` (e.g. CRDs declared in a render)."""
        return ScopeTable(self._cluster_scoped | frozenset(kinds))

    def is_cluster_scoped(self, group: str, kind: str) -> bool:
        return (group, kind) in self._cluster_scoped
