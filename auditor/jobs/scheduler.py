"""`gitops-auditor scheduler`: the service's periodic work, on RQ's own cron scheduler
(`rq.cron.CronScheduler`): a round of every cluster every `service.audit_interval`, the Git
poll every `service.git_poll_interval`, the recovery of syncs whose worker died every
lease, and the daily retention clean-up. Each registration enqueues a small planning job;
the rounds it plans are deduplicated per cluster by the queue.
"""

from __future__ import annotations

from rq.cron import CronScheduler

from auditor.config import ServiceConfig
from auditor.jobs import tasks
from auditor.jobs.connection import connect
from auditor.jobs.queues import AUDITS, NOTIFICATIONS, SYNCS

REMINDER_CHECK = 300  # seconds between checks for drift still open past its reminder ages


def build(url: str, *, config: ServiceConfig, digest_cron: str = "0 9 * * *") -> CronScheduler:
    scheduler = CronScheduler(connection=connect(url), logging_level="WARNING")
    timeout = config.job_timeout
    scheduler.register(
        tasks.plan_rounds, AUDITS, interval=config.audit_interval, job_timeout=timeout
    )
    scheduler.register(
        tasks.poll_git, AUDITS, interval=config.git_poll_interval, job_timeout=timeout
    )
    scheduler.register(tasks.recover_syncs, SYNCS, interval=config.sync_lease, job_timeout=timeout)
    scheduler.register(tasks.retention, AUDITS, cron=config.retention_cron, job_timeout=timeout)
    scheduler.register(
        tasks.remind_open_drift, NOTIFICATIONS, interval=REMINDER_CHECK, job_timeout=timeout
    )
    scheduler.register(tasks.daily_digest, NOTIFICATIONS, cron=digest_cron, job_timeout=timeout)
    return scheduler


def run_scheduler(url: str, *, config: ServiceConfig, digest_cron: str = "0 9 * * *") -> None:
    """Run until SIGTERM (RQ's scheduler handles it)."""
    build(url, config=config, digest_cron=digest_cron).start()  # type: ignore[no-untyped-call]
