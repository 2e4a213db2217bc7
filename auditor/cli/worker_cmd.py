"""`gitops-auditor worker [--queues audits,syncs,notifications] [--burst]`: an RQ worker."""

from __future__ import annotations

import click

from auditor.cli.common import config_env
from auditor.jobs.connection import DEFAULT_URL, redis_url
from auditor.jobs.queues import QUEUES
from auditor.service import Service


@click.command("worker")
@click.option("--queues", default=",".join(QUEUES), show_default=True, help="Queues to work.")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def command(queues: str, burst: bool, config_path: str | None) -> None:
    """Run jobs: audits, rounds, syncs, adopt PRs, notifications (REDIS_URL)."""
    from auditor.jobs.worker import run_worker

    config_env(config_path)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown:
        raise click.BadParameter(f"unknown queue(s) {', '.join(unknown)}", param_hint="--queues")
    run_worker(url=redis_url() or DEFAULT_URL, queues=names, burst=burst, prepare=add_notifiers)


def add_notifiers(service: Service) -> None:
    """The notifiers set up: Slack with `SLACK_BOT_TOKEN`, `notifications.webhooks`, and
    GitHub commit statuses with `notifications.commit_status`."""
    from auditor.service.commit_status import commit_status_notifiers
    from auditor.service.webhook import webhook_notifiers
    from bot.slack.notifier import notifiers
    from bot.slack.settings import SlackSettings

    service.notifiers.extend(notifiers(service, SlackSettings.from_env()))
    service.notifiers.extend(webhook_notifiers(service))
    service.notifiers.extend(commit_status_notifiers(service))
