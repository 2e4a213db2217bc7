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

from auditor.demo.fleet import running_fleet  # noqa: E402
from auditor.demo.generated import CLUSTERS, deploy_fleet, fleet_config, write_fleet  # noqa: E402
from auditor.demo.kubectl import Kubectl  # noqa: E402
from auditor.model import AuditReport  # noqa: E402
from auditor.pipeline import Pipeline  # noqa: E402
from auditor.pipeline.audit import audit  # noqa: E402
from auditor.sources.local import init_repo  # noqa: E402


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
            config = fleet_config(fleet)

            def pipeline() -> Pipeline:
                return Pipeline.from_config(
                    config, cache_dir=work / "cache", kubeconfig=str(fleet.kubeconfig)
                )

            setup = pipeline()
            checkout = setup.sources.checkout(str(repo), "main")
            kubectl = Kubectl(kubeconfig=fleet.kubeconfig, home=work)
            started = time.perf_counter()
            total = deploy_fleet(setup, checkout, kubectl)
            apps = len(setup.discover(checkout).apps)
            print(f"cores: {os.cpu_count()}; fleet: {apps} apps, "
                  f"{total - apps} resources, {len(CLUSTERS)} clusters "
                  f"(synced with kubectl in {time.perf_counter() - started:.1f} s)")  # fmt: skip

            import shutil

            shutil.rmtree(work / "cache" / "renders", ignore_errors=True)
            cold = Pipeline.from_config(
                config, cache_dir=work / "cache", kubeconfig=str(fleet.kubeconfig)
            )
            cold_checkout = cold.sources.checkout(str(repo), "main")

            def audit_round() -> AuditReport:
                apps = list(cold.discover(cold_checkout).apps)
                return audit(cold, cold_checkout, apps)

            measured("cold", audit_round)
            measured("warm", audit_round)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"process peak RSS {rss:.0f} MiB (includes both simulated clusters)")


if __name__ == "__main__":
    main()
