"""The knobs of the diff stage: `DiffOptions` and the default controller allowlist.

Built by the pipeline from the Application (`ignoreDifferences`, strict mode), the config
and the cluster (HPA targets, CRD schemas); read-only inside the stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from auditor.diff.schema import Definitions
from auditor.model import ResourceKey

# Field managers real clusters show for controllers (not humans). Matching is exact.
DEFAULT_CONTROLLERS: frozenset[str] = frozenset(
    {
        "kube-controller-manager",
        "kube-scheduler",
        "kube-apiserver",
        "kubelet",
        "k3s",
        "cloud-controller-manager",
        "deployment-controller",
        "replicaset-controller",
        "statefulset-controller",
        "daemonset-controller",
        "endpoint-controller",
        "endpointslice-controller",
        "horizontal-pod-autoscaler",
        "cluster-autoscaler",
        "vpa-recommender",
        "vpa-updater",
        "cert-manager",
        "cert-manager-controller",
        "cert-manager-cainjector",
        "cert-manager-webhook",
        "kube-vpnkit-forwarder",
        "metrics-server",
        "aws-load-balancer-controller",
        "linkerd-proxy-injector",
        "istio-sidecar-injector",
        "pilot-discovery",
        "argocd-controller",
        "argocd-application-controller",
        "argocd-server",
        "gitops-auditor",
    }
)
OWN_MANAGERS: frozenset[str] = frozenset({"gitops-auditor", "argocd-controller"})
_NO_SCHEMAS: Mapping[tuple[str, str], Mapping[str, Any]] = MappingProxyType({})


@dataclass(frozen=True)
class DiffOptions:
    """How to compare: ignore rules, who counts as a controller, and the exceptions.

    `ignore_differences` holds Argo CD `ignoreDifferences` entries; `hpa_targets` the objects
    an HPA scales; `own_managers` the field managers whose Apply ownership means "Git set
    this"; `strict` makes unmanaged changes drift; `crd_schemas` maps (group, kind) to a CRD's
    `openAPIV3Schema`; `builtin_exceptions` turns the HPA and caBundle exceptions on;
    `definitions` are the cluster's own type definitions (None: the packaged ones);
    `facts` a digest of the cluster-wide ones (HPA targets, CRD schemas, definitions),
    part of a memoized comparison's key.
    """

    ignore_differences: tuple[Mapping[str, Any], ...] = ()
    controller_managers: frozenset[str] = DEFAULT_CONTROLLERS
    hpa_targets: frozenset[ResourceKey] = frozenset()
    own_managers: frozenset[str] = OWN_MANAGERS
    strict: bool = False
    crd_schemas: Mapping[tuple[str, str], Mapping[str, Any]] = field(
        default_factory=lambda: _NO_SCHEMAS
    )
    builtin_exceptions: bool = True
    definitions: Definitions | None = None
    facts: str = ""

    def is_machine(self, manager: str) -> bool:
        """Whether a field manager is a controller or our own (not a human's edit)."""
        return manager in self.controller_managers or manager in self.own_managers
