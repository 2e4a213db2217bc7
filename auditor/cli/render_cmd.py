"""`gitops-auditor render --app A`: the desired manifests of one app."""

from __future__ import annotations

import click

from auditor.cli.common import echo_json, service_options
from auditor.errors import RenderError
from auditor.report.manifests import manifests_json, manifests_yaml
from auditor.service import Service, Target


@click.command("render")
@service_options(clusters=False)
@click.option("--app", "app_name", required=True, help="App name (see `apps`).")
@click.option("-o", "--output", type=click.Choice(["yaml", "json"]), default="yaml")
@click.option("--show-secrets", is_flag=True, help="Print Secret values instead of masking them.")
def command(
    service: Service,
    target: Target,
    app_name: str,
    output: str,
    show_secrets: bool,
) -> None:
    """Print the rendered desired manifests of one app."""
    rendered = service.render(app_name, **target)
    if rendered.error:
        raise RenderError(f"app {app_name}: {rendered.error}")
    for note in rendered.notes:
        click.echo(f"note: {note}", err=True)
    if output == "json":
        echo_json(manifests_json(rendered, show_secrets=show_secrets))
    else:
        click.echo(manifests_yaml(rendered, show_secrets=show_secrets), nl=False)
