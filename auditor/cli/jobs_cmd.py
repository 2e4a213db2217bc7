"""`gitops-auditor jobs [-o table|json]`: the queues, and failed jobs with their error."""

from __future__ import annotations

import click

from auditor.cli.common import echo_json
from auditor.jobs.connection import DEFAULT_URL, connect, redis_url
from auditor.report.table import format_table


@click.command("jobs")
@click.option("--limit", default=50, show_default=True, help="Failed jobs to show.")
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
def command(limit: int, output: str) -> None:
    """Show queue depths and the failed jobs (REDIS_URL)."""
    from auditor.jobs.inspect import failed_jobs, queue_depths

    redis = connect(redis_url() or DEFAULT_URL)
    depths = queue_depths(redis)
    failed = failed_jobs(redis, limit=limit)
    if output == "json":
        echo_json({"queues": depths, "failed": [f.__dict__ for f in failed]})
        return
    rows = [[q, str(d["queued"]), str(d["started"]), str(d["failed"])] for q, d in depths.items()]
    click.echo(format_table(["QUEUE", "QUEUED", "STARTED", "FAILED"], rows))
    if failed:
        click.echo()
        click.echo(
            format_table(
                ["JOB", "QUEUE", "FAILED AT", "ERROR"],
                [[f.id, f.queue, f.ended_at, f.error] for f in failed],
            )
        )
