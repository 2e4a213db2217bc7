"""Which resources kubesim serves: built-in kinds from the definitions, plus CRD kinds.

GVKs, verbs (full CRUD when a `<Kind>List` exists) and subresources come from the OpenAPI
definitions; only plural, scope, short names and categories come from `_BUILTIN` below,
since the definitions do not carry them. `ResourceRegistry` adds and drops CRD kinds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.kubemeta.schema import Node, crd_root, load_definitions

FULL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
# kind -> (plural, namespaced, short names, categories); scope and plural only, by design.
_BUILTIN: dict[str, tuple[str, bool, tuple[str, ...], tuple[str, ...]]] = {
    "ConfigMap": ("configmaps", True, ("cm",), ()),
    "Endpoints": ("endpoints", True, ("ep",), ()),
    "Event": ("events", True, ("ev",), ()),
    "LimitRange": ("limitranges", True, ("limits",), ()),
    "Namespace": ("namespaces", False, ("ns",), ()),
    "Node": ("nodes", False, ("no",), ()),
    "PersistentVolume": ("persistentvolumes", False, ("pv",), ()),
    "PersistentVolumeClaim": ("persistentvolumeclaims", True, ("pvc",), ()),
    "Pod": ("pods", True, ("po",), ("all",)),
    "PodTemplate": ("podtemplates", True, (), ()),
    "ReplicationController": ("replicationcontrollers", True, ("rc",), ("all",)),
    "ResourceQuota": ("resourcequotas", True, ("quota",), ()),
    "Secret": ("secrets", True, (), ()),
    "Service": ("services", True, ("svc",), ("all",)),
    "ServiceAccount": ("serviceaccounts", True, ("sa",), ()),
    "MutatingWebhookConfiguration": (
        "mutatingwebhookconfigurations",
        False,
        (),
        ("api-extensions",),
    ),
    "ValidatingWebhookConfiguration": (
        "validatingwebhookconfigurations",
        False,
        (),
        ("api-extensions",),
    ),
    "ValidatingAdmissionPolicy": ("validatingadmissionpolicies", False, (), ("api-extensions",)),
    "ValidatingAdmissionPolicyBinding": (
        "validatingadmissionpolicybindings",
        False,
        (),
        ("api-extensions",),
    ),
    "CustomResourceDefinition": (
        "customresourcedefinitions",
        False,
        ("crd", "crds"),
        ("api-extensions",),
    ),
    "APIService": ("apiservices", False, (), ("api-extensions",)),
    "ControllerRevision": ("controllerrevisions", True, (), ()),
    "DaemonSet": ("daemonsets", True, ("ds",), ("all",)),
    "Deployment": ("deployments", True, ("deploy",), ("all",)),
    "ReplicaSet": ("replicasets", True, ("rs",), ("all",)),
    "StatefulSet": ("statefulsets", True, ("sts",), ("all",)),
    "HorizontalPodAutoscaler": ("horizontalpodautoscalers", True, ("hpa",), ("all",)),
    "CronJob": ("cronjobs", True, ("cj",), ("all",)),
    "Job": ("jobs", True, (), ("all",)),
    "CertificateSigningRequest": ("certificatesigningrequests", False, ("csr",), ()),
    "Lease": ("leases", True, (), ()),
    "EndpointSlice": ("endpointslices", True, (), ()),
    "Ingress": ("ingresses", True, ("ing",), ()),
    "IngressClass": ("ingressclasses", False, (), ()),
    "NetworkPolicy": ("networkpolicies", True, ("netpol",), ()),
    "RuntimeClass": ("runtimeclasses", False, (), ()),
    "PodDisruptionBudget": ("poddisruptionbudgets", True, ("pdb",), ()),
    "ClusterRole": ("clusterroles", False, (), ()),
    "ClusterRoleBinding": ("clusterrolebindings", False, (), ()),
    "Role": ("roles", True, (), ()),
    "RoleBinding": ("rolebindings", True, (), ()),
    "PriorityClass": ("priorityclasses", False, ("pc",), ()),
    "CSIDriver": ("csidrivers", False, (), ()),
    "CSINode": ("csinodes", False, (), ()),
    "StorageClass": ("storageclasses", False, ("sc",), ()),
    "VolumeAttachment": ("volumeattachments", False, (), ()),
}
_SCALABLE = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"})
# autoscaling/v1 HPA has another schema; we serve v2 only (as the brief allows).
_SKIP_VERSIONS = frozenset({("autoscaling", "v1")})
_GA = re.compile(r"^v\d+$")


@dataclass(frozen=True)
class ResourceType:
    """One served resource: identity, REST names, verbs and where its schema comes from."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    versions: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = FULL_VERBS
    subresources: tuple[str, ...] = ()
    definition: str | None = None
    crd: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def singular(self) -> str:
        if self.crd is not None:
            return str(self.crd["spec"]["names"].get("singular") or self.kind.lower())
        return self.kind.lower()

    @property
    def served_versions(self) -> tuple[str, ...]:
        return self.versions or (self.version,)

    def api_version(self, version: str | None = None) -> str:
        v = version or self.version
        return f"{self.group}/{v}" if self.group else v

    @property
    def is_custom(self) -> bool:
        return self.crd is not None

    def root(self, version: str | None = None) -> Node:
        defs = load_definitions()
        if self.crd is None:
            assert self.definition is not None
            return Node.for_definition(self.definition, defs)
        return crd_root(self.crd_version(version).get("schema", {}).get("openAPIV3Schema"), defs)

    def crd_version(self, version: str | None = None) -> Mapping[str, Any]:
        assert self.crd is not None
        want = version or self.version
        for v in self.crd["spec"].get("versions", []):
            if v.get("name") == want:
                return dict(v)
        return {}

    def scale_paths(self) -> tuple[str, str, str] | None:
        """(spec replicas, status replicas, label selector) JSON paths when scalable."""
        if self.crd is None:
            if self.kind in _SCALABLE:
                return (".spec.replicas", ".status.replicas", ".status.selector")
            return None
        scale = (self.crd_version().get("subresources") or {}).get("scale")
        if not scale:
            return None
        return (
            str(scale.get("specReplicasPath", ".spec.replicas")),
            str(scale.get("statusReplicasPath", ".status.replicas")),
            str(scale.get("labelSelectorPath", "")),
        )


@functools.cache
def builtin_types() -> tuple[ResourceType, ...]:
    """The built-in resources, from the GA GVKs of the definitions (computed once)."""
    defs = load_definitions()
    gvks: dict[tuple[str, str], set[str]] = {}
    found: list[tuple[str, str, str, str]] = []
    for name, schema in defs.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            g, v, k = gvk["group"], gvk["version"], gvk["kind"]
            gvks.setdefault((g, v), set()).add(k)
            if k in _BUILTIN and _GA.match(v) and (g, v) not in _SKIP_VERSIONS:
                found.append((g, v, k, name))
    out = []
    for g, v, k, name in sorted(found):
        plural, namespaced, short, cats = _BUILTIN[k]
        has_list = f"{k}List" in gvks.get((g, v), set())
        subs = []
        if "status" in defs[name].get("properties", {}):
            subs.append("status")
        if k in _SCALABLE:
            subs.append("scale")
        out.append(
            ResourceType(
                group=g,
                version=v,
                kind=k,
                plural=plural,
                namespaced=namespaced,
                short_names=short,
                categories=cats,
                verbs=FULL_VERBS if has_list else ("create",),
                subresources=tuple(subs),
                definition=name,
            )
        )
    return tuple(out)


def crd_resource_type(crd: Mapping[str, Any]) -> ResourceType:
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec.get("versions", []) if v.get("served", True)]
    storage = next((v["name"] for v in served if v.get("storage")), served[0]["name"])
    subs: list[str] = []
    first = next((v for v in served if v["name"] == storage), served[0])
    sub_spec = first.get("subresources") or {}
    if "status" in sub_spec:
        subs.append("status")
    if "scale" in sub_spec:
        subs.append("scale")
    return ResourceType(
        group=spec["group"],
        version=storage,
        versions=tuple(v["name"] for v in served),
        kind=names["kind"],
        plural=names["plural"],
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        subresources=tuple(subs),
        crd=crd,
    )


class ResourceRegistry:
    """The resources one kubesim instance serves; CRD kinds come and go with their CRDs."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str], ResourceType] = {}
        for rt in builtin_types():
            self._types[(rt.group, rt.plural)] = rt
        self.generation = 0
        self._kinds: dict[tuple[str, str], ResourceType] = {}
        self._kinds_generation = -1

    def all(self) -> list[ResourceType]:
        return list(self._types.values())

    def by_plural(self, group: str, plural: str) -> ResourceType | None:
        return self._types.get((group, plural))

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        if self._kinds_generation != self.generation:
            self._kinds = {(rt.group, rt.kind): rt for rt in self._types.values()}
            self._kinds_generation = self.generation
        return self._kinds.get((group, kind))

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        rt = self._types.get((group, plural))
        if rt is None or version not in rt.served_versions:
            return None
        return rt

    def add_crd(self, crd: Mapping[str, Any]) -> ResourceType:
        rt = crd_resource_type(crd)
        self._types[(rt.group, rt.plural)] = rt
        self.generation += 1
        return rt

    def remove_crd(self, group: str, plural: str) -> None:
        rt = self._types.get((group, plural))
        if rt is not None and rt.is_custom:
            del self._types[(group, plural)]
            self.generation += 1

    def groups(self) -> dict[str, list[str]]:
        """group -> served versions, preferred first (Kubernetes' version priority: GA
        before beta before alpha, higher numbers first), as a real server orders them."""
        out: dict[str, list[str]] = {}
        for rt in self._types.values():
            versions = out.setdefault(rt.group, [])
            for v in (rt.version, *rt.served_versions):
                if v not in versions:
                    versions.append(v)
        return {group: sorted(vs, key=version_priority) for group, vs in out.items()}


_KUBE_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key putting the most preferred version first: v2 < v1 < v1beta2 < v1beta1 <
    v1alpha1 < anything else (alphabetically)."""
    match = _KUBE_VERSION.match(version)
    if match is None:
        return (3, 0, 0, version)
    major, stage, minor = match.groups()
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -int(major), -int(minor or 0), version)
