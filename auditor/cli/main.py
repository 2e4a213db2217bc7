"""Entry point of `gitops-auditor`: the click group, common options and error rendering.

Each command lives in its own module and is registered here. Errors derived from
`AuditorError` become one stderr line and exit code 2 (`--debug` adds the traceback).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import click

from auditor import __version__
from auditor.cli import exits
from auditor.config import LogConfig
from auditor.errors import AuditorError
from auditor.logs import configure_logging


class AuditorGroup(click.Group):
    """A group that renders `AuditorError` once, as a readable line."""

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
    from auditor.cli import (
        apps_cmd,
        audit_cmd,
        check_cmd,
        db_cmd,
        demo_cmd,
        diff_cmd,
        jobs_cmd,
        kubesim_cmd,
        render_cmd,
        scheduler_cmd,
        serve_cmd,
        sync_cmd,
        token_cmd,
        watcher_cmd,
        web_cmd,
        worker_cmd,
    )

    for module in (
        apps_cmd,
        render_cmd,
        diff_cmd,
        audit_cmd,
        sync_cmd,
        demo_cmd,
        kubesim_cmd,
        check_cmd,
        serve_cmd,
        web_cmd,
        worker_cmd,
        scheduler_cmd,
        watcher_cmd,
        jobs_cmd,
        db_cmd,
        token_cmd,
    ):
        cli.add_command(module.command)


def main(argv: Sequence[str] | None = None) -> None:
    _register()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="gitops-auditor")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(exits.INTERRUPTED)
