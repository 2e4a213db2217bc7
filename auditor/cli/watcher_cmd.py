"""`gitops-auditor watcher [--cluster NAME]...`: live changes become audits in seconds."""

from __future__ import annotations

import signal
from types import FrameType

import click

from auditor.cli.common import config_env
from auditor.jobs.connection import DEFAULT_URL, connect, redis_url


@click.command("watcher")
@click.option("--cluster", "clusters", multiple=True, help="Watch only these clusters.")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def command(clusters: tuple[str, ...], config_path: str | None) -> None:
    """Watch every cluster; a change to a tracked object enqueues its app's audit."""
    from auditor.jobs import runtime
    from auditor.jobs.queues import Jobs
    from auditor.jobs.watcher import Watcher

    config_env(config_path)
    redis = connect(redis_url() or DEFAULT_URL)
    service = runtime.service()
    watcher = Watcher(
        service=service, jobs=Jobs(redis, config=service.config.service), clusters=clusters
    )

    def stop(_signum: int, _frame: FrameType | None) -> None:
        watcher.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watcher.run()
