"""`gitops-auditor diff --app A`: one app's drift, as `argocd app diff` shows it."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import echo_json, service_options
from auditor.cli.exits import audit_exit
from auditor.report.audit.json_out import app_json
from auditor.report.audit.text import app_diff_text
from auditor.service import Service, Target


@click.command("diff")
@service_options(clusters=True)
@click.option("--app", "app_name", required=True, help="App name (see `apps`).")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def command(service: Service, target: Target, app_name: str, output: str) -> None:
    """Show the drift of one app; exit 0 synced, 1 drift, 2 error."""
    report = service.audit(apps=[app_name], **target).report
    result = report.apps[0]
    if output == "json":
        echo_json(app_json(result))
    else:
        click.echo(app_diff_text(result, color=sys.stdout.isatty()), nl=False)
        if result.error:
            click.echo(f"error: {result.error}", err=True)
    sys.exit(audit_exit(report))
