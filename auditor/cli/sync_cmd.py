"""`gitops-auditor sync --app A [--prune] [--dry-run]`: heal one app now (a manual sync:
sync windows with `manualSync: true` let it through; the loop guard does not apply).
Exit 0 when done and Synced, 1 when blocked, failed or still OutOfSync, 2 on error."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import echo_json, service_options
from auditor.cli.exits import sync_exit
from auditor.report.sync import sync_json, sync_text
from auditor.service import Service, Target


@click.command("sync")
@service_options(clusters=True)
@click.option("--app", "app_name", required=True, help="The app to sync.")
@click.option("--prune", is_flag=True, help="Delete Extra resources (also: automated.prune).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def command(
    service: Service,
    target: Target,
    app_name: str,
    prune: bool,
    dry_run: bool,
    output: str,
) -> None:
    """Make the cluster match Git for one app: apply, then prune (server-side apply)."""
    result = service.sync(app_name, prune=prune, dry_run=dry_run, **target)
    if output == "json":
        echo_json(sync_json(result))
    else:
        click.echo(sync_text(result))
    sys.exit(sync_exit(result))
