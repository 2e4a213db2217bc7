"""The web app over a real service: the demo world (two kubesim clusters, the example
repo) audited by a real round on a private Redis, drift made with the real kubectl (a
Secret's value changed too), then `create_app()` built from the environment as `web`
builds it. One world per test module (they only read it, or enqueue jobs)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from rq import Queue

from auditor.demo.drift import make_drift
from auditor.demo.tour import demo_world, install_crds, sync_all
from auditor.jobs import runtime, tasks
from auditor.jobs.queues import PENDING
from auditor.jobs.worker import run_worker
from auditor.service.tokens import create_token
from bot import create_app
from tests.helpers import EXAMPLE_REPO
from tests.helpers.service import ServiceEnv, private_redis, service_env

SECRET_VALUE = "hunter2-never-in-html"  # the drifted Secret's new value
BOOTSTRAP = "gat_bootstrap-token-for-tests"
RBAC = """
p, role:ops, applications, sync, */*, allow
p, role:ops, applications, update, */*, allow
g, group:sre, role:ops
"""


@dataclass
class Web:
    env: ServiceEnv
    app: Flask
    tokens: dict[str, str]  # viewer, operator, admin (the bootstrap token)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def work(self, *queues: str) -> None:
        run_worker(url=self.env.env["REDIS_URL"], queues=queues or ("audits", "syncs"), burst=True)


def secret_forms() -> tuple[str, ...]:
    """The drifted Secret value as it could leak: plain and base64."""
    return (SECRET_VALUE, base64.b64encode(SECRET_VALUE.encode()).decode())


def _config(data: dict[str, Any]) -> None:
    # Real syncs of production-monitoring need a second operator (Slack's approvals).
    data["rbac"] = {"policy": RBAC, "approvals": [{"app": "production-monitoring"}]}
    data["web"] = {"trusted_proxies": ["127.0.0.1/32"]}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("web")
    with (
        pytest.MonkeyPatch.context() as patch,
        private_redis(root / "redis") as redis,
        demo_world(EXAMPLE_REPO, root / "world") as world,
    ):
        install_crds(world)
        sync_all(world)
        (root / "service").mkdir()
        made = service_env(world, root / "service", redis_url=redis.url, config_changes=_config)
        for name, value in made.env.items():
            if name in ("REDIS_URL", "DATABASE_URL", "KUBECONFIG", "XDG_CACHE_HOME"):
                patch.setenv(name, value)
            elif name.startswith("GITOPS_AUDITOR_"):
                patch.setenv(name, value)
        patch.setenv("GITOPS_AUDITOR_API_TOKEN", BOOTSTRAP)
        runtime.reset()
        try:
            tasks.plan_rounds()
            run_worker(url=redis.url, queues=("audits",), burst=True)
            make_drift(world.kubectl)
            patch_secret = {"stringData": {"DATABASE_URL": SECRET_VALUE}}
            world.kubectl(
                "patch", "secret", "billing-db", "-n", "billing", "--type=merge",
                "-p", json.dumps(patch_secret), context="production",
            )  # fmt: skip
            tasks.plan_rounds()
            run_worker(url=redis.url, queues=("audits",), burst=True)
            # The heal-mode app's automatic sync is dropped: these tests look at drift.
            jobs = runtime.jobs()
            Queue("syncs", connection=jobs.redis).empty()
            for key in jobs.redis.scan_iter(PENDING + "sync-*"):
                jobs.redis.delete(key)
            store = runtime.service().store
            tokens = {
                "viewer": create_token(store, name="viewer", role="role:readonly"),
                "operator": create_token(store, name="operator", role="role:ops"),
                "admin": BOOTSTRAP,
            }
            app = create_app()
            app.config["TESTING"] = True
            yield Web(env=made, app=app, tokens=tokens)
        finally:
            runtime.reset()
