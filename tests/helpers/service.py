"""A service under test: a private real Redis (the redis-server the project ships for
`serve`), a config file for the demo world's clusters and repo, and the environment that
service processes read (REDIS_URL, DATABASE_URL, KUBECONFIG, GITOPS_AUDITOR_*)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.demo.tour import DemoWorld
from auditor.jobs.embedded import EmbeddedRedis, start_embedded


@contextmanager
def private_redis(directory: Path) -> Iterator[EmbeddedRedis]:
    redis = start_embedded(directory)
    try:
        yield redis
    finally:
        redis.stop()


@dataclass
class ServiceEnv:
    """The environment of service processes for one demo world."""

    world: DemoWorld
    env: dict[str, str]
    config: Path
    database: Path
    logs: dict[int, Path] = field(default_factory=dict)

    def process(self, *args: str) -> subprocess.Popen[bytes]:
        """`gitops-auditor <args>` as a child process with this environment (its output
        in `logs[pid]`)."""
        log = self.config.parent / f"{args[0]}-{time.monotonic_ns()}.log"
        out = log.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "auditor", *args], env=self.env, stdout=out, stderr=out
        )
        self.logs[proc.pid] = log
        return proc

    def wait_for_log(self, proc: subprocess.Popen[bytes], text: str, *, timeout: float) -> None:
        """Wait until the process has logged `text`."""
        log = self.logs[proc.pid]
        wait_for(lambda: text in log.read_text(errors="replace"), timeout=timeout)


def service_env(
    world: DemoWorld,
    workdir: Path,
    *,
    redis_url: str,
    settings: Mapping[str, Any] | None = None,
    config_changes: Callable[[dict[str, Any]], None] | None = None,
) -> ServiceEnv:
    """Write the world's config (plus `service` settings) and build the environment."""
    data = world.pipeline.config.model_dump(mode="json")
    data["service"] = {
        **data.get("service", {}),
        "repo": str(world.repo),
        "revision": "main",
        "watch_debounce": 0.5,
        **(settings or {}),
    }
    if config_changes:
        config_changes(data)
    config = workdir / "gitops-auditor.yaml"
    config.write_text(yaml.safe_dump(data))
    database = workdir / "store.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
    env.update(
        {
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{database}",
            "KUBECONFIG": str(world.fleet.kubeconfig),
            "GITOPS_AUDITOR_CONFIG": str(config),
            "XDG_CACHE_HOME": str(workdir / "cache"),
        }
    )
    return ServiceEnv(world=world, env=env, config=config, database=database)


def wait_for(check: Callable[[], Any], *, timeout: float, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        time.sleep(interval)
