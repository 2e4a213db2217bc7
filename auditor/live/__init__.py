"""Live state: clusters from config and kubeconfig, discovery, and one LIST per resource
type per audit round. The `kubernetes` client is confined to this package (and apply)."""

from auditor.live.clusters import ClusterRegistry
from auditor.live.errors import (
    ClusterError,
    ClusterForbidden,
    ClusterNotConfigured,
    ClusterUnreachable,
)
from auditor.live.snapshot import (
    CapabilitiesReader,
    ClusterReader,
    ClusterSnapshot,
    KubeClusterReader,
    Scope,
)

__all__ = [
    "ClusterError",
    "ClusterForbidden",
    "ClusterNotConfigured",
    "CapabilitiesReader",
    "ClusterReader",
    "ClusterRegistry",
    "ClusterSnapshot",
    "ClusterUnreachable",
    "KubeClusterReader",
    "Scope",
]
