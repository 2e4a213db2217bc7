"""Service tests: a synced demo world, a private real Redis, the service's environment
applied to this process (for in-process burst workers) and available to child processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.demo.tour import DemoWorld, demo_world, install_crds, sync_all
from auditor.jobs import runtime
from auditor.jobs.embedded import EmbeddedRedis
from tests.helpers import EXAMPLE_REPO
from tests.helpers.service import ServiceEnv, private_redis, service_env

SERVICE_VARIABLES = ("REDIS_URL", "DATABASE_URL", "KUBECONFIG", "XDG_CACHE_HOME")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    with private_redis(tmp_path / "redis") as running:
        yield running


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with demo_world(EXAMPLE_REPO, tmp_path / "world") as w:
        install_crds(w)
        sync_all(w)
        yield w


@pytest.fixture
def service(
    world: DemoWorld, redis: EmbeddedRedis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServiceEnv]:
    """The service's environment, also applied to this process (in-process workers)."""
    (tmp_path / "service").mkdir()
    made = service_env(world, tmp_path / "service", redis_url=redis.url, settings={"sync_lease": 3})
    for name, value in made.env.items():
        if name in SERVICE_VARIABLES or name.startswith("GITOPS_AUDITOR_"):
            monkeypatch.setenv(name, value)
    runtime.reset()
    yield made
    runtime.reset()
