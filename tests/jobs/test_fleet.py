"""The service at fleet size, on a generated fleet of Argo CD apps over two kubesim
clusters: `serve` (its embedded Redis and four processes) audits every one of 200 apps
within one interval and answers its probes; 1,000 single-app audits give 1,000 stored
runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from auditor.demo.fleet import running_fleet
from auditor.demo.generated import deploy_fleet, fleet_config, write_fleet
from auditor.demo.kubectl import Kubectl
from auditor.jobs import runtime
from auditor.jobs.embedded import socket_path
from auditor.jobs.worker import run_worker
from auditor.pipeline import Pipeline
from auditor.sources.local import init_repo
from auditor.store import SqlStore
from tests.helpers.service import private_redis, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@dataclass
class Generated:
    env: dict[str, str]
    database: Path
    apps: int


@contextmanager
def generated_fleet(
    workdir: Path, *, apps: int, deploy: bool, interval: int = 60
) -> Iterator[Generated]:
    write_fleet(workdir / "tree", apps=apps, per_app=2, kustomize=False)
    repo = workdir / "repo"
    init_repo(workdir / "tree", repo)
    with running_fleet(workdir / "clusters") as fleet:
        config = fleet_config(fleet)
        if deploy:
            pipeline = Pipeline.from_config(
                config, cache_dir=workdir / "setup", kubeconfig=str(fleet.kubeconfig)
            )
            checkout = pipeline.sources.checkout(str(repo), "main")
            deploy_fleet(pipeline, checkout, Kubectl(kubeconfig=fleet.kubeconfig, home=workdir))
            pipeline.close()
        data = config.model_dump(mode="json")
        data["service"] = {"repo": str(repo), "revision": "main", "audit_interval": interval}
        path = workdir / "gitops-auditor.yaml"
        path.write_text(yaml.safe_dump(data))
        database = workdir / "store.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
        env.pop("REDIS_URL", None)
        env.update(
            {
                "DATABASE_URL": f"sqlite:///{database}",
                "KUBECONFIG": str(fleet.kubeconfig),
                "GITOPS_AUDITOR_CONFIG": str(path),
                "XDG_CACHE_HOME": str(workdir / "cache"),
            }
        )
        yield Generated(env=env, database=database, apps=apps)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except urllib.error.URLError:
        return 0, {}  # not listening yet


def test_serve_audits_every_app_of_a_200_app_fleet_within_one_interval(tmp_path: Path) -> None:
    interval = 60
    with generated_fleet(tmp_path, apps=200, deploy=True, interval=interval) as fleet:
        port = free_port()
        log = (tmp_path / "serve.log").open("wb")
        serve = subprocess.Popen(
            [sys.executable, "-m", "auditor", "serve", "--port", str(port)],
            env=fleet.env,
            stdout=log,
            stderr=log,
        )
        try:
            base = f"http://127.0.0.1:{port}"

            def serving() -> bool:
                if serve.poll() is not None:
                    raise AssertionError((tmp_path / "serve.log").read_text())
                return get(f"{base}/readyz")[0] == 200

            wait_for(serving, timeout=60, interval=0.5)
            assert get(f"{base}/healthz") == (200, {"status": "ok"})
            store = SqlStore(f"sqlite:///{fleet.database}")

            def audited() -> bool:
                states = store.apps()
                return len(states) == fleet.apps and all(s.last_run_id for s in states)

            wait_for(audited, timeout=interval, interval=1)  # the first round: every app
            states = store.apps()
            assert {s.sync_status for s in states} == {"Synced"}
            assert {s.cluster for s in states} == {"in-cluster", "production"}
            status, ready = get(f"{base}/readyz")
            assert status == 200 and ready["checks"] == {"redis": "ok", "store": "ok"}
        finally:
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(timeout=60)
    assert code == 0
    assert not socket_path(tmp_path / "cache" / "gitops-auditor" / "redis").exists()  # Redis ended


def test_a_thousand_single_app_audits_give_a_thousand_stored_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        generated_fleet(tmp_path, apps=1000, deploy=False) as fleet,
        private_redis(tmp_path / "redis") as redis,
    ):
        for name, value in {**fleet.env, "REDIS_URL": redis.url}.items():
            monkeypatch.setenv(name, value)
        runtime.reset()
        try:
            jobs = runtime.jobs()
            names = [f"app-{i:03}" for i in range(1000)]
            assert all(jobs.audit_app(n, trigger="cli").new for n in names)
            assert not any(jobs.audit_app(n, trigger="cli").new for n in names[:100])
            assert jobs.depth()["audits"] == 1000
            run_worker(url=redis.url, queues=("audits",), burst=True)
            store = runtime.service().store
            assert store.count_runs() == 1000
            assert {r.trigger for r in store.runs(limit=1000)} == {"cli"}
            assert {a.name for a in store.apps()} == set(names)
        finally:
            runtime.reset()
