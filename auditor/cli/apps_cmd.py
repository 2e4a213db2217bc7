"""`gitops-auditor apps`: the apps discovered in a repo, with path, cluster and namespace."""

from __future__ import annotations

import click

from auditor.cli.common import echo_json, service_options
from auditor.report.apps import apps_json, apps_table
from auditor.service import Service, Target


@click.command("apps")
@service_options(clusters=False)
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
def command(service: Service, target: Target, output: str) -> None:
    """List discovered apps (Applications, ApplicationSet-generated apps, config apps)."""
    discovery = service.workspace(**target).discovery
    if output == "json":
        echo_json(apps_json(discovery))
    else:
        click.echo(apps_table(discovery))
        for problem in discovery.problems:
            click.echo(f"warning: {problem}", err=True)
