"""`gitops-auditor sync --app A [--prune] [--dry-run]`: heal one app now (a manual sync:
sync windows with `manualSync: true` let it through; the loop guard does not apply).
A real sync is stored (the operation, its per-object outcome, an audit-log entry naming
the local user and host) and followed by a recorded audit of the app.
Exit 0 when done and Synced, 1 when blocked, failed or still OutOfSync, 2 on error."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import echo_json, service_options
from auditor.cli.exits import sync_exit
from auditor.report.sync import sync_json, sync_text
from auditor.service import Service, Target
from auditor.service.operations import sync_as
from auditor.store.records import local_operator


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
    if dry_run:
        result = service.sync(app_name, prune=prune, dry_run=True, **target)
    else:  # stored with its actor in the audit log, as a sync from Slack or the web is
        result = sync_as(service, local_operator(), app_name, prune=prune, **target).result
    if output == "json":
        echo_json(sync_json(result))
    else:
        click.echo(sync_text(result))
    sys.exit(sync_exit(result))
