"""`gitops-auditor serve [--repo R] [--config F] [--port P]`: web, worker, scheduler and
watcher in one process tree, with an embedded Redis when REDIS_URL is unset."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from auditor.cli.common import config_env
from auditor.config import load_config
from auditor.pipeline import default_cache_dir


@click.command("serve")
@click.option("--repo", help="Repository the service audits (path or URL).")
@click.option("--revision", help="Branch, tag or SHA to follow (default: the repo's).")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
def command(
    repo: str | None, revision: str | None, config_path: str | None, host: str, port: int
) -> None:
    """Run the whole service on this machine (REDIS_URL, DATABASE_URL, KUBECONFIG)."""
    from auditor.jobs.serve import serve

    config_env(config_path)
    env = dict(os.environ)
    if repo:
        env["GITOPS_AUDITOR_SERVICE__REPO"] = (
            str(Path(repo).resolve()) if Path(repo).exists() else repo
        )
    if revision:
        env["GITOPS_AUDITOR_SERVICE__REVISION"] = revision
    config = load_config(env=env)
    data = default_cache_dir(config)
    click.echo(f"gitops-auditor: serving on http://{host}:{port} (Ctrl-C stops)", err=True)
    sys.exit(serve(port=port, host=host, data_dir=data, env=env))
