"""A generated fleet for benchmarks and service tests: `apps` Argo CD Applications over
two clusters (even ones plain YAML, odd ones a Kustomize overlay of a shared base), each
with ConfigMaps, a Service and a Deployment, and the kubectl sync that deploys it as Argo
CD's first sync would.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from auditor.config import ClusterConfig, Config
from auditor.demo.deploy import apply_objects, manifests_for
from auditor.demo.fleet import Fleet
from auditor.demo.kubectl import Kubectl
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from auditor.pipeline import Pipeline
from auditor.sources import Checkout

CLUSTERS = (IN_CLUSTER_NAME, "production")


def write_fleet(root: Path, *, apps: int, per_app: int, kustomize: bool = True) -> None:
    """`apps` Applications; even ones plain YAML, odd ones a Kustomize overlay of a base
    (all plain YAML without `kustomize`)."""
    base = root / "base"
    base.mkdir(parents=True)
    (base / "deployment.yaml").write_text(yaml.safe_dump(deployment("web")))
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    for i in range(apps):
        name = f"app-{i:03}"
        app_dir = root / "apps" / name
        app_dir.mkdir(parents=True)
        docs = [configmap(f"{name}-cfg-{j}") for j in range(per_app - 2)]
        docs.append(service("web"))
        if i % 2 and kustomize:
            (app_dir / "extra.yaml").write_text(yaml.safe_dump_all(docs))
            (app_dir / "kustomization.yaml").write_text(
                "resources: [../../base, extra.yaml]\nimages:\n"
                f"  - name: registry.example.com/web\n    newTag: '1.{i}'\n"
            )
        else:
            docs.append(deployment("web"))
            (app_dir / "all.yaml").write_text(yaml.safe_dump_all(docs))
        destination = "server: https://kubernetes.default.svc" if i % 4 < 2 else "name: production"
        (root / "argocd").mkdir(exist_ok=True)
        (root / "argocd" / f"{name}.yaml").write_text(
            f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: {name}}}
spec:
  project: default
  source: {{repoURL: https://git.example.com/fleet.git, path: apps/{name}}}
  destination: {{{destination}, namespace: {name}}}
"""
        )


def configmap(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"k": name},
    }


def service(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def deployment(name: str) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": "registry.example.com/web:1.0",
                            "ports": [{"containerPort": 8080}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
    }


def fleet_config(fleet: Fleet) -> Config:
    """The two clusters of a generated fleet, each a context of the fleet's kubeconfig."""
    return Config(
        clusters=(
            ClusterConfig(name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER, context=IN_CLUSTER_NAME),
            ClusterConfig(name="production", server=fleet.url("production"), context="production"),
        )
    )


def deploy_fleet(
    pipeline: Pipeline, checkout: Checkout, kubectl: Kubectl, *, clusters: Sequence[str] = CLUSTERS
) -> int:
    """Apply every app with its namespace, as a first sync; returns the objects applied."""
    per_cluster: dict[str, list[dict[str, object]]] = {c: [] for c in clusters}
    label_key = pipeline.config.tracking.instance_label_key
    for app in pipeline.discover(checkout).apps:
        rendered = pipeline.render(app, checkout)
        namespace: dict[str, object] = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": app.destination.namespace},
        }
        per_cluster[app.cluster].append(namespace)
        per_cluster[app.cluster] += manifests_for(app, rendered, label_key=label_key)
    for cluster, objects in per_cluster.items():
        apply_objects(kubectl, objects, context=cluster)
    return sum(len(v) for v in per_cluster.values())
