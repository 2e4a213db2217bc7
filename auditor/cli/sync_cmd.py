"""`gitops-auditor sync --app A [--prune] [--dry-run]`: heal one app now (a manual sync:
sync windows with `manualSync: true` let it through; the loop guard does not apply).
Exit 0 when done and Synced, 1 when blocked, failed or still OutOfSync, 2 on error."""

from __future__ import annotations

import sys

import click

from auditor.cli.common import build_cluster_pipeline, cluster_options, echo_json, repo_options
from auditor.pipeline import default_cache_dir
from auditor.pipeline.sync import SyncRequest
from auditor.report.sync import sync_json, sync_text
from auditor.store import open_store


@click.command("sync")
@repo_options
@cluster_options
@click.option("--app", "app_name", required=True, help="The app to sync.")
@click.option("--prune", is_flag=True, help="Delete Extra resources (also: automated.prune).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def command(
    repo: str | None,
    revision: str | None,
    config_path: str | None,
    kubeconfig: str | None,
    context: str | None,
    app_name: str,
    prune: bool,
    dry_run: bool,
    output: str,
) -> None:
    """Make the cluster match Git for one app: apply, then prune (server-side apply)."""
    pipeline = build_cluster_pipeline(config_path, kubeconfig=kubeconfig, context=context)
    checkout = pipeline.checkout(repo, revision)
    discovery = pipeline.discover(checkout)
    app = pipeline.find_app(discovery, app_name)
    store = None if dry_run else open_store(cache_dir=default_cache_dir(pipeline.config))
    result = pipeline.sync(
        checkout,
        app,
        request=SyncRequest(prune=prune, dry_run=dry_run, manual=True),
        projects=discovery.projects,
        store=store,
    )
    if output == "json":
        echo_json(sync_json(result))
    else:
        click.echo(sync_text(result))
    sys.exit(0 if result.done else 1)
