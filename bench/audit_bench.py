"""Audit benchmark: a generated fleet (200 apps, 2,000 resources, 2 simulated clusters),
audited cold (empty caches, new pipeline) and warm (same commit, same pipeline).

Reports wall time, API requests and peak memory of each round.
Run: .venv/bin/python bench/audit_bench.py [--apps 200] [--per-app 10]   (about a minute)
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from auditor.config import ClusterConfig, Config  # noqa: E402
from auditor.demo.deploy import apply_objects, manifests_for  # noqa: E402
from auditor.demo.fleet import running_fleet  # noqa: E402
from auditor.demo.kubectl import Kubectl  # noqa: E402
from auditor.model import AuditReport  # noqa: E402
from auditor.pipeline import Pipeline  # noqa: E402
from auditor.sources.local import init_repo  # noqa: E402

CLUSTERS = ("in-cluster", "production")


def write_fleet(root: Path, *, apps: int, per_app: int) -> None:
    """`apps` Applications; even ones plain YAML, odd ones a Kustomize overlay of a base."""
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
        if i % 2:
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


def measured(label: str, run: callable) -> AuditReport:  # type: ignore[valid-type]
    tracemalloc.start()
    started = time.perf_counter()
    report: AuditReport = run()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    syncs = Counter(str(a.sync) for a in report.apps)
    resources = sum(len(a.resources) for a in report.apps)
    requests = dict(report.stats.requests)
    print(
        f"{label:<6} {seconds:7.2f} s   {sum(requests.values()):4} API requests {requests}   "
        f"peak {peak / 2**20:6.1f} MiB (Python heap)   {resources} resources   "
        f"{dict(syncs)}   renders from cache: {report.stats.render_cache_hits}"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--per-app", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        work = Path(tmp)
        write_fleet(work / "tree", apps=args.apps, per_app=args.per_app)
        repo = work / "repo"
        init_repo(work / "tree", repo)
        with running_fleet(work / "clusters", clusters=CLUSTERS) as fleet:
            config = Config(
                clusters=(
                    ClusterConfig(
                        name="in-cluster",
                        server="https://kubernetes.default.svc",
                        context="in-cluster",
                    ),  # fmt: skip
                    ClusterConfig(
                        name="production", server=fleet.url("production"), context="production"
                    ),  # fmt: skip
                )
            )

            def pipeline() -> Pipeline:
                return Pipeline.from_config(
                    config, cache_dir=work / "cache", kubeconfig=str(fleet.kubeconfig)
                )

            setup = pipeline()
            checkout = setup.sources.checkout(str(repo), "main")
            discovery = setup.discover(checkout)
            kubectl = Kubectl(kubeconfig=fleet.kubeconfig, home=work)
            per_cluster: dict[str, list[dict[str, object]]] = {c: [] for c in CLUSTERS}
            for app in discovery.apps:
                rendered = setup.render(app, checkout)
                namespace = {"apiVersion": "v1", "kind": "Namespace",
                             "metadata": {"name": app.destination.namespace}}  # fmt: skip
                per_cluster[app.cluster].append(namespace)
                per_cluster[app.cluster] += manifests_for(
                    app, rendered, label_key="app.kubernetes.io/instance"
                )
            started = time.perf_counter()
            for cluster, objects in per_cluster.items():
                apply_objects(kubectl, objects, context=cluster)
            total = sum(len(v) for v in per_cluster.values())
            print(f"cores: {os.cpu_count()}; fleet: {len(discovery.apps)} apps, "
                  f"{total - len(discovery.apps)} resources, {len(CLUSTERS)} clusters "
                  f"(synced with kubectl in {time.perf_counter() - started:.1f} s)")  # fmt: skip

            import shutil

            shutil.rmtree(work / "cache" / "renders", ignore_errors=True)
            cold = Pipeline.from_config(
                config, cache_dir=work / "cache", kubeconfig=str(fleet.kubeconfig)
            )
            cold_checkout = cold.sources.checkout(str(repo), "main")

            def audit_round() -> AuditReport:
                apps = list(cold.discover(cold_checkout).apps)
                return cold.audit(cold_checkout, apps)

            measured("cold", audit_round)
            measured("warm", audit_round)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"process peak RSS {rss:.0f} MiB (includes both simulated clusters)")


if __name__ == "__main__":
    main()
