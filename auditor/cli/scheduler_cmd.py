"""`gitops-auditor scheduler`: periodic rounds, the Git poll, sync recovery, retention."""

from __future__ import annotations

import click

from auditor.cli.common import config_env
from auditor.config import load_config
from auditor.jobs.connection import DEFAULT_URL, redis_url


@click.command("scheduler")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def command(config_path: str | None) -> None:
    """Enqueue the service's periodic work on RQ's cron scheduler (REDIS_URL)."""
    from auditor.jobs.scheduler import run_scheduler

    config_env(config_path)
    config = load_config()
    run_scheduler(
        redis_url() or DEFAULT_URL,
        config=config.service,
        digest_cron=config.notifications.digest_cron,
    )
