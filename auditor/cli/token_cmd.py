"""`gitops-auditor token create|list|revoke`: the API's and dashboard's bearer tokens.
A token is shown once, when made; the store keeps only its SHA-256."""

from __future__ import annotations

import click

from auditor.cli.common import config_env, echo_json
from auditor.config import load_config
from auditor.errors import ConfigError
from auditor.pipeline import default_cache_dir
from auditor.service.tokens import create_token
from auditor.store import Store, open_store

_CONFIG = click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")


def _store(config_path: str | None) -> Store:
    config_env(config_path)
    return open_store(cache_dir=default_cache_dir(load_config()))


@click.group("token")
def command() -> None:
    """Bearer tokens of the web API and dashboard."""


@command.command("create")
@click.argument("name")
@click.option(
    "--role",
    default="role:readonly",
    show_default=True,
    help="The RBAC role it acts as (role:readonly, role:admin, or one of rbac.policy's).",
)
@_CONFIG
def create(name: str, role: str, config_path: str | None) -> None:
    """Make a token NAME and print it (once: it is not stored)."""
    token = create_token(_store(config_path), name=name, role=role)
    click.echo(token)
    click.echo(f"# token:{name} acts as {role}; it is shown only now", err=True)


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_CONFIG
def list_tokens(as_json: bool, config_path: str | None) -> None:
    """The tokens (names, roles, last use; never the tokens)."""
    tokens = _store(config_path).tokens()
    if as_json:
        echo_json(
            [
                {
                    "name": t.name,
                    "role": t.role,
                    "createdAt": t.created_at.isoformat(),
                    "lastUsedAt": t.last_used_at.isoformat() if t.last_used_at else None,
                    "revoked": t.revoked,
                }
                for t in tokens
            ]
        )
        return
    for t in tokens:
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        state = "revoked" if t.revoked else "active"
        click.echo(f"{t.name}\t{t.role}\t{state}\tlast used {used}")


@command.command("revoke")
@click.argument("name")
@_CONFIG
def revoke(name: str, config_path: str | None) -> None:
    """Revoke the token NAME (its sessions end too)."""
    if not _store(config_path).revoke_token(name):
        raise ConfigError(f"no token named {name!r}")
    click.echo(f"revoked token:{name}")
