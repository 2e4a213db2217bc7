"""What every app's comparison needs from one cluster snapshot, derived once per round:
the objects HPAs scale, the CRDs' schemas and the cluster's own type definitions. Pure
functions of the snapshot; used by the audit and sync flows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from typing import Any

from auditor.diff.memo import digest
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
    digest: str = ""  # of all three: what a memoized comparison on this cluster assumed

    @classmethod
    def of(cls, snapshot: ClusterSnapshot) -> ClusterFacts:
        objects = snapshot.objects.values()
        targets = hpa_targets(objects)
        schemas = crd_schemas(objects)
        try:
            facts = digest(
                [
                    sorted(astuple(t) for t in targets),
                    sorted([list(k), v] for k, v in schemas.items()),
                    snapshot.definitions,
                ]
            )
        except TypeError:  # not JSON: comparisons on this cluster are not memoized
            facts = ""
        return cls(
            hpa_targets=targets,
            crd_schemas=schemas,
            definitions=Definitions.of(snapshot.definitions) if snapshot.definitions else None,
            digest=facts,
        )
