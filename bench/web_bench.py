"""Dashboard and API load benchmark: a store of 1,000 apps (10 resources each, 10% drifted,
policy violations on some), served by the real web process (`gitops-auditor web`,
gunicorn, 2 workers) on loopback; `--requests` GETs of the apps list sent by
`--concurrent` clients, signed in with a bearer token, while a writer records an audit
of one app `--writes` times a second (as the workers do: each write changes what the
apps list shows, so the web's in-memory list is rebuilt). p50 and p99 per run, then
the median of the runs. Bounded: loopback only, a fixed number of requests.
Run: .venv/bin/python bench/web_bench.py [--apps 1000] [--requests 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchstats import percentile, spread  # noqa: E402
from benchweb import running_web, service_env, timed  # noqa: E402

from auditor.model import (  # noqa: E402
    AppReport,
    FieldChange,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
    Violation,
)
from auditor.store import SqlStore  # noqa: E402
from auditor.store.records import RunContext, Trigger  # noqa: E402

TOKEN = "gat_web-bench-token"
PAGES = {
    "dashboard /apps (first 100 of 1,000)": "/apps",
    "dashboard /apps?status=OutOfSync&sort=drift": "/apps?status=OutOfSync&sort=drift",
    "API /api/v1/apps?limit=1000 (JSON, all)": "/api/v1/apps?limit=1000",
}


def report(i: int, *, drifted: bool) -> AppReport:
    name = f"app-{i:04}"
    resources = []
    for r in range(10):
        key = ResourceKey("apps" if r % 2 else "", "Deployment" if r % 2 else "ConfigMap",
                          name, f"{name}-{r}")  # fmt: skip
        if drifted and r == 1:
            change = FieldChange("spec.replicas", 2, 5, "kubectl-scale", "")
            diff = "--- live\n+++ desired\n@@ -1 +1 @@\n-  replicas: 5\n+  replicas: 2\n"
            resources.append(
                ResourceDrift(key, "v1", ResourceStatus.OUT_OF_SYNC, changes=(change,), diff=diff)
            )
        else:
            resources.append(ResourceDrift(key, "v1", ResourceStatus.SYNCED))
    violations = (
        (
            Violation(
                policy="resources/cpu-limit",
                severity="warn",
                message="no CPU limit",
                resource=resources[1].key,
                app=name,
            ),
        )  # fmt: skip
        if i % 3 == 0
        else ()
    )
    return AppReport(
        name=name, project=f"team-{i % 12}", cluster=f"cluster-{i % 3}", namespace=name,
        path=f"apps/{name}", revision="0" * 40,
        sync=SyncStatus.OUT_OF_SYNC if drifted else SyncStatus.SYNCED,
        resources=tuple(resources), violations=violations,
    )  # fmt: skip


def seed(store: SqlStore, apps: int) -> None:
    started = time.perf_counter()
    now = datetime.now(UTC) - timedelta(hours=2)
    context = RunContext(trigger=Trigger.SCHEDULE, started_at=now, finished_at=now)
    for i in range(apps):
        store.record_audit(report(i, drifted=i % 10 == 0), context=context)
    print(f"seeded {apps} apps in {time.perf_counter() - started:.1f} s")


def writer(store: SqlStore, apps: int, per_second: float, stop: threading.Event) -> int:
    """Record audits of app after app until `stop`; returns how many."""
    n = 0
    while not stop.wait(1 / per_second):
        i = n % apps
        moment = datetime.now(UTC)
        context = RunContext(trigger=Trigger.WATCH, started_at=moment, finished_at=moment)
        store.record_audit(report(i, drifted=(i + n) % 10 == 0), context=context)
        n += 1
    return n


def one(url: str) -> float:
    return timed(urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writes", type=float, default=2.0, help="audits stored per second")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        work = Path(tmp)
        env = service_env(work, {"GITOPS_AUDITOR_API_TOKEN": TOKEN})
        store = SqlStore(env["DATABASE_URL"])
        seed(store, args.apps)
        stop = threading.Event()
        with running_web(work, env) as base, ThreadPoolExecutor(max_workers=1) as side:
            writes = side.submit(writer, store, args.apps, args.writes, stop)
            for label, path in PAGES.items():
                url = base + path
                for _ in range(10):  # warm both workers
                    one(url)
                p50s, p99s = [], []
                for _ in range(args.runs):
                    with ThreadPoolExecutor(max_workers=args.concurrent) as pool:
                        times = list(pool.map(lambda _: one(url), range(args.requests)))  # noqa: B023
                    p50s.append(percentile(times, 50) * 1000)
                    p99s.append(percentile(times, 99) * 1000)
                print(
                    f"{label}, {args.concurrent} concurrent: "
                    f"p50 {spread(p50s, 'ms', 0)}, p99 {spread(p99s, 'ms', 0)}"
                )
            stop.set()
            print(f"audits stored meanwhile: {writes.result()}")
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
