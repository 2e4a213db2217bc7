"""Service benchmark: a generated fleet (200 apps on 2 simulated clusters) served by real
RQ workers on a private Redis, with the store in SQLite.

Measures, `--runs` times each (median, min-max):
- single-app audits per second, 200 queued audits drained by 1 and by 2 `worker --burst`
  processes (wall time from start to the last worker's exit, start-up included);
- a full round (every app of both clusters) with 1 and with 2 workers;
- detection latency: `kubectl set image` on one Deployment until the store holds the drift
  finding with its manager, over `--changes` changes per run, with worker + watcher.
Run: .venv/bin/python bench/service_bench.py [--apps 200] [--runs 3] [--changes 20]
(about five minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchstats import percentile, spread  # noqa: E402

from auditor.demo.fleet import running_fleet  # noqa: E402
from auditor.demo.generated import deploy_fleet, fleet_config, write_fleet  # noqa: E402
from auditor.demo.kubectl import Kubectl  # noqa: E402
from auditor.jobs import runtime  # noqa: E402
from auditor.jobs.embedded import start_embedded  # noqa: E402
from auditor.pipeline import Pipeline  # noqa: E402
from auditor.sources.local import init_repo  # noqa: E402
from auditor.store import SqlStore  # noqa: E402


def wait_for(check: Callable[[], object], *, timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout}s: {check}")
        time.sleep(interval)


class Bench:
    def __init__(self, work: Path, *, apps: int, env: dict[str, str]) -> None:
        self.work = work
        self.apps = apps
        self.env = env
        self.store = SqlStore(env["DATABASE_URL"])
        self.kubectl = Kubectl(kubeconfig=Path(env["KUBECONFIG"]), home=work)

    def process(self, *args: str, log: str) -> subprocess.Popen[bytes]:
        out = (self.work / log).open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "auditor", *args], env=self.env, stdout=out, stderr=out
        )

    def drain(self, workers: int) -> float:
        started = time.perf_counter()
        procs = [self.process("worker", "--burst", log="worker.log") for _ in range(workers)]
        for proc in procs:
            if proc.wait(timeout=1800) != 0:
                raise SystemExit(f"a worker failed; see {self.work / 'worker.log'}")
        return time.perf_counter() - started

    def single_app_audits(self, workers: int) -> float:
        jobs = runtime.jobs()
        before = self.store.count_runs()
        for i in range(self.apps):
            jobs.audit_app(f"app-{i:03}", trigger="cli")
        seconds = self.drain(workers)
        done = self.store.count_runs() - before
        if done != self.apps:
            raise SystemExit(f"{done} runs stored, {self.apps} expected")
        return self.apps / seconds

    def round(self, workers: int) -> float:
        jobs = runtime.jobs()
        before = self.store.count_runs()
        for cluster in ("in-cluster", "production"):
            jobs.round(cluster, trigger="schedule")
        seconds = self.drain(workers)
        if self.store.count_runs() - before != self.apps:
            raise SystemExit("the round did not store every app")
        return seconds

    @contextmanager
    def watching(self) -> Iterator[None]:
        worker = self.process("worker", "--queues", "audits", log="worker.log")
        watcher = self.process("watcher", log="watcher.log")
        try:
            log = self.work / "watcher.log"
            wait_for(lambda: "watcher: ready" in log.read_text(), timeout=120, interval=0.2)
            yield
        finally:
            for proc in (worker, watcher):
                proc.terminate()
            for proc in (worker, watcher):
                proc.wait(timeout=60)

    def detection(self, apps: Sequence[int], tag: str) -> list[float]:
        latencies = []
        for i in apps:
            name = f"app-{i:03}"
            context = "in-cluster" if i % 4 < 2 else "production"
            started = time.monotonic()
            self.kubectl("set", "image", "deployment/web", f"web=registry.example.com/web:{tag}",
                         "-n", name, context=context)  # fmt: skip

            def found(name: str = name) -> bool:
                return any(
                    f.path.endswith(".image") and f.manager == "kubectl-set"
                    for f in self.store.findings(app=name)
                )

            wait_for(found, timeout=60)
            latencies.append(time.monotonic() - started)
            time.sleep(0.5)  # one change at a time, as a person makes them
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.changes * args.runs > args.apps:
        raise SystemExit("--changes x --runs must not exceed --apps (one change per app)")
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    work = Path(tempfile.mkdtemp(prefix="service-bench-"))
    print(f"work directory: {work}")
    try:
        run(work, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


def run(work: Path, args: argparse.Namespace) -> None:
    write_fleet(work / "tree", apps=args.apps, per_app=2, kustomize=False)
    repo = work / "repo"
    init_repo(work / "tree", repo)
    with running_fleet(work / "clusters") as fleet, start_redis(work) as redis_url:
        config = fleet_config(fleet)
        pipeline = Pipeline.from_config(
            config, cache_dir=work / "setup", kubeconfig=str(fleet.kubeconfig)
        )
        deploy_fleet(pipeline, pipeline.sources.checkout(str(repo), "main"),
                     Kubectl(kubeconfig=fleet.kubeconfig, home=work))  # fmt: skip
        pipeline.close()
        data = config.model_dump(mode="json")
        data["service"] = {"repo": str(repo), "revision": "main"}
        (work / "gitops-auditor.yaml").write_text(yaml.safe_dump(data))
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
        env.update(
            {
                "DATABASE_URL": f"sqlite:///{work / 'store.db'}",
                "KUBECONFIG": str(fleet.kubeconfig),
                "GITOPS_AUDITOR_CONFIG": str(work / "gitops-auditor.yaml"),
                "XDG_CACHE_HOME": str(work / "cache"),
                "REDIS_URL": redis_url,
            }
        )
        os.environ.update(env)
        runtime.reset()
        bench = Bench(work, apps=args.apps, env=env)
        report(bench, runs=args.runs, changes=args.changes)
        runtime.reset()


@contextmanager
def start_redis(work: Path) -> Iterator[str]:
    redis = start_embedded(work / "redis")
    try:
        yield redis.url
    finally:
        redis.stop()


def report(bench: Bench, *, runs: int, changes: int) -> None:
    for workers in (1, 2):
        rates = [bench.single_app_audits(workers) for _ in range(runs)]
        print(f"single-app audits, {workers} worker(s): {spread(rates, 'audits/s')}")
    for workers in (1, 2):
        rounds = [bench.round(workers) for _ in range(runs)]
        print(f"full round of {bench.apps} apps, {workers} worker(s): {spread(rounds, 's')}")
    p50s, p95s, every = [], [], []
    with bench.watching():
        for n in range(runs):
            apps = range(n * changes, (n + 1) * changes)
            latencies = bench.detection(apps, tag=f"hotfix-{n}")
            p50s.append(percentile(latencies, 50))
            p95s.append(percentile(latencies, 95))
            every += latencies
    print(f"detection latency p50: {spread(p50s, 's')}; p95: {spread(p95s, 's')}")
    print(f"detection latency over all {len(every)} changes: p50 {percentile(every, 50):.2f} s, "
          f"p95 {percentile(every, 95):.2f} s, max {max(every):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
