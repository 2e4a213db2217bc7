"""kubesim benchmark: list latency through HTTP with the real kubernetes client (1k and 10k
objects), create throughput over HTTP, and loading 50k objects (time and memory).

Run: .venv/bin/python bench/kubesim_bench.py   (about a minute; prints a table)
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubernetes import client, config  # noqa: E402

from auditor.kubesim.cluster import Cluster  # noqa: E402
from auditor.kubesim.persistence import load_objects  # noqa: E402
from auditor.kubesim.server import KubeSim, bootstrap  # noqa: E402


def configmap(i: int, ns: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": f"cm-{i:06}",
            "namespace": ns,
            "uid": f"00000000-0000-0000-0000-{i:012}",
            "resourceVersion": str(i + 100),
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": f"app-{i % 50}", "bench": "yes"},
        },
        "data": {"key": "value" * 20, "index": str(i)},
    }


def deployment(i: int, ns: str) -> dict[str, Any]:
    labels = {"app": f"d{i}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"d-{i:06}",
            "namespace": ns,
            "uid": f"d-{i}",
            "resourceVersion": str(i + 100),
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "nginx:1.25",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                        }
                    ]
                },
            },
        },
    }


def time_list(core: client.CoreV1Api, ns: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        items = core.list_namespaced_config_map(ns, _preload_content=False).data
        samples.append(time.perf_counter() - start)
        assert items
    return statistics.median(samples)


def main() -> int:
    rows: list[tuple[str, str]] = []
    with KubeSim(controllers=False) as sim:
        cfg = sim.write_kubeconfig(Path("/tmp") / f"kubesim-bench-{id(sim)}.kubeconfig")
        api = config.new_client_from_config(config_file=str(cfg))
        core = client.CoreV1Api(api)
        for ns, count in (("bench-1k", 1_000), ("bench-10k", 10_000)):
            core.create_namespace({"metadata": {"name": ns}})
            load_objects(sim.cluster, (configmap(i, ns) for i in range(count)))
            raw = time_list(core, ns, 5 if count < 10_000 else 3)
            rows.append((f"list {count:>6,} ConfigMaps (HTTP, raw bytes)", f"{raw * 1000:8.1f} ms"))
            start = time.perf_counter()
            typed = core.list_namespaced_config_map(ns)
            rows.append(
                (
                    f"list {count:>6,} ConfigMaps (HTTP, typed client)",
                    f"{(time.perf_counter() - start) * 1000:8.1f} ms",
                )
            )
            assert len(typed.items) == count + 1  # + kube-root-ca.crt
        start = time.perf_counter()
        sel = core.list_namespaced_config_map(
            "bench-10k", label_selector="app=app-7", _preload_content=False
        ).data
        rows.append(
            (
                "list 10k with labelSelector (200 hits)",
                f"{(time.perf_counter() - start) * 1000:8.1f} ms",
            )
        )
        assert sel
        n = 500
        start = time.perf_counter()
        for i in range(n):
            core.create_namespaced_config_map(
                "default", {"metadata": {"name": f"new-{i}"}, "data": {"a": "b"}}
            )
        rate = n / (time.perf_counter() - start)
        rows.append(("create ConfigMaps over HTTP (sequential)", f"{rate:8.0f} obj/s"))
        api.close()

    objs = [configmap(i, "default") if i % 5 else deployment(i, "default") for i in range(50_000)]
    cluster = Cluster(controllers=False)
    bootstrap(cluster)
    start = time.perf_counter()
    load_objects(cluster, objs)
    rows.append(
        ("load 50,000 objects (40k cm + 10k deploy)", f"{time.perf_counter() - start:8.2f} s")
    )
    assert cluster.store.count() >= 50_000
    del cluster
    gc.collect()
    tracemalloc.start()
    cluster = Cluster(controllers=False)
    bootstrap(cluster)
    load_objects(cluster, objs)
    del objs
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(("memory held by the store for 50,000 objects", f"{current / 2**20:8.1f} MiB"))

    width = max(len(r[0]) for r in rows)
    print(f"{'kubesim benchmark':<{width}}  result")
    print("-" * (width + 14))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
