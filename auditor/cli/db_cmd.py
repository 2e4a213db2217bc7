"""`gitops-auditor db upgrade|current`: the store's schema (DATABASE_URL, else SQLite)."""

from __future__ import annotations

import click

from auditor.cli.common import config_env
from auditor.config import load_config
from auditor.pipeline import default_cache_dir
from auditor.store import open_store


@click.group("db")
def command() -> None:
    """The store's database."""


@command.command("upgrade")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def upgrade(config_path: str | None) -> None:
    """Create or upgrade the schema to the newest revision."""
    config_env(config_path)
    store = open_store(cache_dir=default_cache_dir(load_config()))
    revision = store.upgrade()
    click.echo(f"{store.safe_url()}: at revision {revision}")


@command.command("current")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
def current(config_path: str | None) -> None:
    """Show the schema revision of the database."""
    config_env(config_path)
    store = open_store(cache_dir=default_cache_dir(load_config()))
    click.echo(f"{store.safe_url()}: at revision {store.revision() or '(empty)'}")
