"""What a worker process builds once and every job uses: the `Service` (from the config
file, `GITOPS_AUDITOR_*`, `KUBECONFIG`, `DATABASE_URL`) and the `Jobs` over `REDIS_URL`.
Jobs take primitive arguments and read everything else from here and from the store.
"""

from __future__ import annotations

import threading

from auditor.config import ServiceConfig, load_config
from auditor.jobs.connection import DEFAULT_URL, connect, redis_url
from auditor.jobs.queues import Jobs
from auditor.pipeline import Pipeline
from auditor.service import Service

_lock = threading.RLock()
_built: dict[str, object] = {}


def service() -> Service:
    """This process's service, built on first use."""
    with _lock:
        if "service" not in _built:
            _built["service"] = Service(pipeline=Pipeline.from_config(load_config()))
        built = _built["service"]
    assert isinstance(built, Service)
    return built


def jobs() -> Jobs:
    """This process's queues, on `REDIS_URL`."""
    with _lock:
        if "jobs" not in _built:
            url = redis_url() or DEFAULT_URL
            config = service_config()
            _built["jobs"] = Jobs(connect(url, check=False), config=config)
        built = _built["jobs"]
    assert isinstance(built, Jobs)
    return built


def service_config() -> ServiceConfig:
    return service().config.service


def install(*, service: Service | None = None, jobs: Jobs | None = None) -> None:
    """Use these objects in this process (the worker passes its own; tests too)."""
    with _lock:
        if service is not None:
            _built["service"] = service
        if jobs is not None:
            _built["jobs"] = jobs


def reset() -> None:
    """Forget what was built (the next job builds afresh); closes the service."""
    with _lock:
        built = _built.pop("service", None)
        _built.pop("jobs", None)
    if isinstance(built, Service):
        built.close()
