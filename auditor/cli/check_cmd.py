"""`gitops-auditor check`: the policy gate for a pull request or CI.

Options in, `Service.check` (see `auditor.pipeline.check`) does the work, the report
goes out in the chosen format, and the exit code is conftest's: 0 pass, 1 deny, 2 error.
"""

from __future__ import annotations

import sys

import click

from auditor.cli.common import build_service
from auditor.cli.exits import check_exit
from auditor.report.policy import FORMATS, render_check


@click.command("check")
@click.option("--repo", help="Repository path or URL (default: config, else .).")
@click.option("--base", help="Base revision (the PR's target); with --head, check what changed.")
@click.option("--head", help="Head revision (default HEAD when --base is given).")
@click.option("-o", "--output", type=click.Choice(FORMATS), default="text")
@click.option("--config", "config_path", help="Config file (gitops-auditor.yaml).")
@click.option("--policy", "policy_dirs", multiple=True, help="Extra policy directory (repeatable).")
@click.option("--fail-on-warn", is_flag=True, help="Exit 1 on warnings too (as conftest's flag).")
@click.option(
    "--unrendered",
    type=click.Choice(["error", "warn"]),
    default="error",
    show_default=True,
    help="How apps that could not be generated or rendered count: error (exit 2) or warn.",
)
def command(
    repo: str | None,
    base: str | None,
    head: str | None,
    output: str,
    config_path: str | None,
    policy_dirs: tuple[str, ...],
    fail_on_warn: bool,
    unrendered: str,
) -> None:
    """Evaluate policies on the desired state of the apps a change affects."""
    report = build_service(config_path).check(
        repo=repo, base=base, head=head, policy_dirs=policy_dirs, unrendered=unrendered
    )
    color = output == "text" and sys.stdout.isatty()
    for document in render_check(report, fmt=output, color=color):
        click.echo(document, nl=False, color=color)
    sys.exit(check_exit(report, fail_on_warn=fail_on_warn))
