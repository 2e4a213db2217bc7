"""`gitops-auditor apps`: the apps discovered in a repo, with path, cluster and namespace."""

from __future__ import annotations

import click

from auditor.cli.common import build_pipeline, echo_json, repo_options
from auditor.report.apps import apps_json, apps_table


@click.command("apps")
@repo_options
@click.option("-o", "--output", type=click.Choice(["table", "json"]), default="table")
def command(
    repo: str | None,
    revision: str | None,
    config_path: str | None,
    output: str,
) -> None:
    """List discovered apps (Applications, ApplicationSet-generated apps, config apps)."""
    pipeline = build_pipeline(config_path)
    checkout = pipeline.checkout(repo, revision)
    discovery = pipeline.discover(checkout)
    if output == "json":
        echo_json(apps_json(discovery))
    else:
        click.echo(apps_table(discovery))
        for problem in discovery.problems:
            click.echo(f"warning: {problem}", err=True)
