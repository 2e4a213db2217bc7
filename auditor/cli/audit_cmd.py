"""`gitops-auditor audit`: every app (or some) compared with its cluster."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from auditor.cli.common import build_cluster_pipeline, cluster_options, echo_json, repo_options
from auditor.model import AuditReport, SyncStatus
from auditor.pipeline import Progress
from auditor.pipeline.remediation import remediate
from auditor.report.audit.json_out import audit_json
from auditor.report.audit.markdown import audit_markdown
from auditor.report.audit.table import audit_table
from auditor.report.sync.remediation import remediation_json, remediation_text

EXIT_SYNCED, EXIT_DRIFT, EXIT_ERROR = 0, 1, 2


def exit_code(report: AuditReport) -> int:
    """2 when any app could not be compared, else 1 when any drifted, else 0."""
    if any(a.sync == SyncStatus.UNKNOWN for a in report.apps):
        return EXIT_ERROR
    if any(a.sync == SyncStatus.OUT_OF_SYNC for a in report.apps):
        return EXIT_DRIFT
    return EXIT_SYNCED


@contextmanager
def progress_bar(total: int, *, enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.progress import Progress as RichProgress

    with RichProgress(transient=True) as bar:
        task = bar.add_task("auditing", total=total)

        def step(app: str) -> None:
            bar.update(task, advance=1, description=f"auditing {app}")

        yield step


@click.command("audit")
@repo_options
@cluster_options
@click.option("--app", "app_names", multiple=True, help="Audit only these apps (repeatable).")
@click.option("-o", "--output", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.option("--stats", is_flag=True, help="Report API requests, renders and time.")
@click.option("--heal", is_flag=True, help="Then heal the OutOfSync apps whose mode is heal.")
@click.option("--pr", is_flag=True, help="Then open adopt PRs for OutOfSync apps in pr mode.")
def command(
    repo: str | None,
    revision: str | None,
    config_path: str | None,
    kubeconfig: str | None,
    context: str | None,
    app_names: tuple[str, ...],
    output: str,
    stats: bool,
    heal: bool,
    pr: bool,
) -> None:
    """Compare Git-declared state with every cluster: drift, who made it, and when."""
    pipeline = build_cluster_pipeline(config_path, kubeconfig=kubeconfig, context=context)
    checkout = pipeline.checkout(repo, revision)
    discovery = pipeline.discover(checkout)
    apps = [pipeline.find_app(discovery, n) for n in app_names] or list(discovery.apps)
    with progress_bar(len(apps), enabled=sys.stderr.isatty() and len(apps) > 10) as step:
        report = pipeline.audit(checkout, apps, progress=step)
    outcome = remediate(pipeline, checkout, discovery, report, heal=heal, pr=pr)
    if output == "json":
        data = audit_json(report, stats=stats)
        if heal or pr:
            data["remediation"] = remediation_json(outcome)
        echo_json(data)
    elif output == "markdown":
        click.echo(audit_markdown(report), nl=False)
    else:
        click.echo(audit_table(report, stats=stats))
        if heal or pr:
            click.echo(remediation_text(outcome))
    for problem in discovery.problems:
        click.echo(f"warning: {problem}", err=True)
    sys.exit(outcome.exit_code(report, exit_code(report)))
