"""What every app's comparison needs from one cluster snapshot, derived once per round:
the objects HPAs scale, the CRDs' schemas and the cluster's own type definitions. Pure
functions of the snapshot; used by the audit and sync flows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from functools import cached_property
from typing import Any

from auditor import jsonio
from auditor.diff.schema import Definitions
from auditor.live import ClusterSnapshot
from auditor.model import ResourceKey


def hpa_targets(objects: Iterable[Mapping[str, Any]]) -> frozenset[ResourceKey]:
    """The objects whose `spec.replicas` an HPA in the cluster controls."""
    targets = set()
    for obj in objects:
        if obj.get("kind") != "HorizontalPodAutoscaler":
            continue
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        group = str(ref.get("apiVersion") or "").rpartition("/")[0]
        namespace = str((obj.get("metadata") or {}).get("namespace") or "")
        targets.add(
            ResourceKey(group, str(ref.get("kind") or ""), namespace, str(ref.get("name") or ""))
        )
    return frozenset(targets)


def crd_schemas(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The OpenAPI schema of each custom resource kind, from the cluster's CRDs (the
    storage version's), so list semantics of custom resources are the CRD's own."""
    schemas: dict[tuple[str, str], Mapping[str, Any]] = {}
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        spec = obj.get("spec") or {}
        versions = spec.get("versions") or []
        chosen = next((v for v in versions if v.get("storage")), versions[0] if versions else {})
        schema = (chosen.get("schema") or {}).get("openAPIV3Schema")
        kind = (spec.get("names") or {}).get("kind")
        if schema and kind:
            schemas[(str(spec.get("group") or ""), str(kind))] = schema
    return schemas


@dataclass(frozen=True)
class ClusterFacts:
    """What every app's comparison needs from one cluster snapshot, derived once per round:
    the objects HPAs scale, CRD schemas, and the cluster's own type definitions."""

    hpa_targets: frozenset[ResourceKey]
    crd_schemas: Mapping[tuple[str, str], Mapping[str, Any]]
    definitions: Definitions | None

    @classmethod
    def of(cls, snapshot: ClusterSnapshot) -> ClusterFacts:
        objects = snapshot.objects.values()
        return cls(
            hpa_targets=hpa_targets(objects),
            crd_schemas=crd_schemas(objects),
            definitions=Definitions.of(snapshot.definitions) if snapshot.definitions else None,
        )

    @cached_property
    def digest(self) -> str:
        """Of all three: what a memoized comparison on this cluster assumed ("" when they
        are not JSON: comparisons on this cluster are then not memoized)."""
        try:
            return jsonio.digest(
                [
                    sorted(astuple(t) for t in self.hpa_targets),
                    sorted([list(k), v] for k, v in self.crd_schemas.items()),
                    self.definitions.defs if self.definitions else None,
                ]
            )
        except TypeError:
            return ""
