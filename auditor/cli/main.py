"""Entry point of `gitops-auditor`: the click group, common options and error rendering.

Each command lives in its own module, loaded when it runs (`COMMANDS`). Errors derived from
`AuditorError` become one stderr line and exit code 2 (`--debug` adds the traceback).
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence

import click

from auditor import __version__
from auditor.cli import exits
from auditor.config import LogConfig
from auditor.errors import AuditorError
from auditor.logs import configure_logging

# Each command's module, imported when the command runs (or `--help` lists it): a run
# of one command does not load the web, queue and database code of the others.
COMMANDS = {
    "apps": "apps_cmd",
    "render": "render_cmd",
    "diff": "diff_cmd",
    "audit": "audit_cmd",
    "sync": "sync_cmd",
    "demo": "demo_cmd",
    "kubesim": "kubesim_cmd",
    "check": "check_cmd",
    "serve": "serve_cmd",
    "web": "web_cmd",
    "worker": "worker_cmd",
    "scheduler": "scheduler_cmd",
    "watcher": "watcher_cmd",
    "jobs": "jobs_cmd",
    "db": "db_cmd",
    "token": "token_cmd",
}


class AuditorGroup(click.Group):
    """A group that loads its commands on use and renders `AuditorError` once, as a
    readable line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module = importlib.import_module(f"auditor.cli.{COMMANDS[cmd_name]}")
            self.add_command(module.command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except AuditorError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc.message}", err=True)
            ctx.exit(exits.ERROR)


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-auditor")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Audit Git-declared Kubernetes state (YAML, Kustomize, Argo CD) against clusters."""
    # Until a command has read its config (and `log`), plain text at the CLI's level.
    configure_logging(LogConfig(), debug=debug)
    ctx.ensure_object(dict)


def _register() -> None:
    """Every command loaded now (tests that walk `cli.commands`)."""
    for name in COMMANDS:
        cli.get_command(click.Context(cli), name)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="gitops-auditor")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(exits.INTERRUPTED)
