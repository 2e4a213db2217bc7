"""`gitops-auditor diff --app A`: one app's drift, as `argocd app diff` shows it."""

from __future__ import annotations

import sys

import click

from auditor.cli.audit_cmd import exit_code
from auditor.cli.common import build_cluster_pipeline, cluster_options, echo_json, repo_options
from auditor.report.audit.json_out import app_json
from auditor.report.audit.text import app_diff_text


@click.command("diff")
@repo_options
@cluster_options
@click.option("--app", "app_name", required=True, help="App name (see `apps`).")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def command(
    repo: str | None,
    revision: str | None,
    config_path: str | None,
    kubeconfig: str | None,
    context: str | None,
    app_name: str,
    output: str,
) -> None:
    """Show the drift of one app; exit 0 synced, 1 drift, 2 error."""
    pipeline = build_cluster_pipeline(config_path, kubeconfig=kubeconfig, context=context)
    checkout = pipeline.checkout(repo, revision)
    app = pipeline.find_app(pipeline.discover(checkout), app_name)
    report = pipeline.audit(checkout, [app])
    result = report.apps[0]
    if output == "json":
        echo_json(app_json(result))
    else:
        text = app_diff_text(result, color=sys.stdout.isatty())
        click.echo(text or f"{app_name}: {result.sync}", nl=not text)
        if result.error:
            click.echo(f"error: {result.error}", err=True)
    sys.exit(exit_code(report))
