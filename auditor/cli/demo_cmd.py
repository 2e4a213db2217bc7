"""`gitops-auditor demo`: the newcomer's tour on embedded defaults (no cluster, no Redis).

It turns the bundled example deployment repo into a real git repository in a temporary
directory, discovers its apps as Argo CD would, renders every app and shows the desired
manifests of one production overlay.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from auditor.config import Config
from auditor.errors import AppNotFound, AuditorError
from auditor.pipeline import Pipeline
from auditor.report.apps import apps_table
from auditor.report.manifests import manifests_yaml, render_summary
from auditor.sources.local import init_repo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "k8s-deployments"


@click.command("demo")
@click.option(
    "--example",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=EXAMPLE if EXAMPLE.is_dir() else None,
    help="Deployment repo to tour (default: the bundled examples/k8s-deployments).",
)
@click.option("--app", "app_name", default="my-api-production", show_default=True)
def command(example: Path | None, app_name: str) -> None:
    """Tour gitops-auditor on the example deployment repo."""
    if example is None:
        raise AuditorError("the example repo was not found; pass --example DIR")
    with tempfile.TemporaryDirectory(prefix="gitops-auditor-demo-") as tmp:
        repo_dir = Path(tmp) / "k8s-deployments"
        sha = init_repo(example, repo_dir)
        click.secho(f"== Example deployment repo at {repo_dir} (commit {sha[:12]})", bold=True)
        pipeline = Pipeline.from_config(Config(), cache_dir=Path(tmp) / "cache")
        checkout = pipeline.sources.checkout(str(repo_dir), "main")
        discovery = pipeline.discover(checkout)
        click.secho(f"\n== {len(discovery.apps)} apps discovered, no config needed", bold=True)
        click.echo(apps_table(discovery))
        for problem in discovery.problems:
            click.echo(f"warning: {problem}", err=True)
        renders = {app.name: pipeline.render(app, checkout) for app in discovery.apps}
        click.secho("\n== Desired state of every app, rendered as Argo CD would", bold=True)
        click.echo(render_summary(renders.values()))
        if app_name not in renders:
            raise AppNotFound(f"no app named {app_name!r} in the example repo")
        rendered = renders[app_name]
        if rendered.error:
            raise AuditorError(f"app {app_name}: {rendered.error}")
        click.secho(
            f"\n== Desired state of {app_name}: {len(rendered.resources)} resources", bold=True
        )
        click.echo(manifests_yaml(rendered), nl=False)
