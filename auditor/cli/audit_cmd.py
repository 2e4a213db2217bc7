"""`gitops-auditor audit`: every app (or some) compared with its cluster."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from auditor.cli.common import echo_json, service_options
from auditor.cli.exits import audit_exit
from auditor.pipeline import Progress
from auditor.report.audit.json_out import audit_json
from auditor.report.audit.markdown import audit_markdown
from auditor.report.audit.table import audit_table
from auditor.report.sync.remediation import remediation_json, remediation_text
from auditor.service import Service, Target


@contextmanager
def progress_bar(*, enabled: bool, minimum: int = 10) -> Iterator[Progress | None]:
    """A transient progress bar on stderr, shown for rounds of more than `minimum` apps."""
    if not enabled:
        yield None
        return
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

    with RichProgress(transient=True) as bar:
        task: list[TaskID] = []

        def step(app: str, total: int) -> None:
            if total <= minimum:
                return
            if not task:
                task.append(bar.add_task("auditing", total=total))
            bar.update(task[0], advance=1, description=f"auditing {app}")

        yield step


@click.command("audit")
@service_options(clusters=True)
@click.option("--app", "app_names", multiple=True, help="Audit only these apps (repeatable).")
@click.option("-o", "--output", type=click.Choice(["table", "json", "markdown"]), default="table")
@click.option("--stats", is_flag=True, help="Report API requests, renders and time.")
@click.option("--heal", is_flag=True, help="Then heal the OutOfSync apps whose mode is heal.")
@click.option("--pr", is_flag=True, help="Then open adopt PRs for OutOfSync apps in pr mode.")
def command(
    service: Service,
    target: Target,
    app_names: tuple[str, ...],
    output: str,
    stats: bool,
    heal: bool,
    pr: bool,
) -> None:
    """Compare Git-declared state with every cluster: drift, who made it, and when."""
    with progress_bar(enabled=sys.stderr.isatty()) as step:
        run = service.audit(apps=app_names, progress=step, **target)
    report = run.report
    outcome = service.remediate(run, heal=heal, pr=pr)
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
    for problem in run.workspace.discovery.problems:
        click.echo(f"warning: {problem}", err=True)
    sys.exit(audit_exit(report, outcome))
