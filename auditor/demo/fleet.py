"""A fleet of simulated clusters (kubesim) with one kubeconfig naming each as a context.

Context names are Argo CD destination names: `in-cluster` is the current context (the
`https://kubernetes.default.svc` destination), the others are matched by name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from auditor.kubesim.server import KubeSim
from auditor.model import IN_CLUSTER_NAME


@dataclass
class Fleet:
    """Running simulated clusters by name, and the kubeconfig that reaches them."""

    sims: dict[str, KubeSim]
    kubeconfig: Path

    def url(self, cluster: str) -> str:
        return self.sims[cluster].url


def merged_kubeconfig(sims: dict[str, KubeSim], *, current: str) -> dict[str, object]:
    clusters, users, contexts = [], [], []
    for name, sim in sims.items():
        one = sim.kubeconfig(context=name)
        clusters += one["clusters"]
        users += one["users"]
        contexts += one["contexts"]
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": clusters,
        "users": users,
        "contexts": contexts,
        "current-context": current,
        "preferences": {},
    }


@contextmanager
def running_fleet(
    workdir: Path,
    *,
    clusters: Sequence[str] = (IN_CLUSTER_NAME, "production"),
    controllers: bool = True,
) -> Iterator[Fleet]:
    """Start one kubesim per cluster name; stop them all on exit."""
    with ExitStack() as stack:
        sims = {name: stack.enter_context(KubeSim(controllers=controllers)) for name in clusters}
        path = workdir / "kubeconfig"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            yaml.safe_dump(merged_kubeconfig(sims, current=clusters[0]), sort_keys=False)
        )
        yield Fleet(sims=sims, kubeconfig=path)
