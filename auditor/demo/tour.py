"""The steps of `gitops-auditor demo`, as data the command prints.

Start simulated clusters, make the example repo a git repository, sync every app with
kubectl as Argo CD would, audit (all Synced: no false drift), make drift with kubectl,
audit again. The same steps serve the end-to-end tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from auditor.config import ClusterConfig, Config
from auditor.demo.deploy import apply_objects, deploy_many
from auditor.demo.fleet import Fleet, running_fleet
from auditor.demo.kubectl import Kubectl
from auditor.manifests import parse_file
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, Discovery
from auditor.pipeline import Pipeline
from auditor.service import Service, Target
from auditor.sources import Checkout
from auditor.sources.local import init_repo

PRODUCTION = "production"


@dataclass
class DemoWorld:
    """Everything the tour runs on: clusters, kubectl, the repo, and the service (with its
    pipeline) reading branch `main` of the repo."""

    fleet: Fleet
    kubectl: Kubectl
    repo: Path
    sha: str
    service: Service
    checkout: Checkout
    discovery: Discovery

    @property
    def pipeline(self) -> Pipeline:
        return self.service.pipeline

    @property
    def target(self) -> Target:
        """The service's `repo` and `revision` arguments for the demo repo."""
        return Target(repo=str(self.repo), revision="main")


def demo_config(fleet: Fleet) -> Config:
    """Two clusters: the in-cluster destination and `production`, each a kubeconfig context."""
    return Config(
        clusters=(
            ClusterConfig(name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER, context=IN_CLUSTER_NAME),
            ClusterConfig(
                name=PRODUCTION,
                server=fleet.url(PRODUCTION),
                context=PRODUCTION,
                labels={"env": "production"},
            ),
        )
    )


@contextmanager
def demo_world(example: Path, workdir: Path) -> Iterator[DemoWorld]:
    """Clusters up, repo committed, apps discovered; nothing deployed yet."""
    with running_fleet(workdir / "clusters") as fleet:
        repo = workdir / "k8s-deployments"
        sha = init_repo(example, repo)
        config = demo_config(fleet)
        pipeline = Pipeline.from_config(
            config, cache_dir=workdir / "cache", kubeconfig=str(fleet.kubeconfig)
        )
        service = Service(pipeline=pipeline)
        space = service.workspace(repo=str(repo), revision="main")
        try:
            yield DemoWorld(
                fleet=fleet,
                kubectl=Kubectl(kubeconfig=fleet.kubeconfig, home=workdir),
                repo=repo,
                sha=sha,
                service=service,
                checkout=space.checkout,
                discovery=space.discovery,
            )
        finally:
            service.close()


def install_crds(world: DemoWorld) -> int:
    """The platform's CRDs (Argo CD's, cert-manager's), on every cluster."""
    docs = [d.body for d in parse_file(world.repo / "bootstrap/crds.yaml", display="crds.yaml")]
    for cluster in world.fleet.sims:
        apply_objects(world.kubectl, docs, context=cluster)
    return len(docs)


def sync_all(world: DemoWorld) -> list[str]:
    """Deploy every app that renders; returns the names deployed."""
    label_key = world.pipeline.config.tracking.instance_label_key
    ready = []
    for app in world.discovery.apps:
        rendered = world.pipeline.render(app, world.checkout)
        if rendered.error is None and app.cluster in world.fleet.sims:
            ready.append((app, rendered))
    deploy_many(world.kubectl, ready, label_key=label_key)
    return [app.name for app, _ in ready]
