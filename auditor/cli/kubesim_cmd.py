"""`gitops-auditor kubesim`: run the simulated Kubernetes API server in the foreground.

Writes a kubeconfig for kubectl and the kubernetes client, optionally replays
`kubectl get -o yaml` dumps (`--load`) and persists state across restarts (`--state`).
"""

from __future__ import annotations

import threading
from pathlib import Path

import click

from auditor.errors import AuditorError


@click.command("kubesim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=0, show_default=True, help="Port (0: any free port).")
@click.option(
    "--kubeconfig-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a kubeconfig pointing at the simulator here.",
)
@click.option("--context", default="kubesim", show_default=True, help="Context name in it.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Persist objects to this file (read on start; each change journalled before "
    "it is answered).",
)
@click.option(
    "--load",
    "dumps",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve the objects of a `kubectl get -o yaml` dump as given (repeatable).",
)
@click.option("--no-controllers", is_flag=True, help="Do not simulate workload status.")
def command(
    host: str,
    port: int,
    kubeconfig_out: Path | None,
    context: str,
    state: Path | None,
    dumps: tuple[Path, ...],
    no_controllers: bool,
) -> None:
    """Run kubesim, a simulated Kubernetes API server (not a real cluster)."""
    from auditor.kubesim.server import KubeSim

    sim = KubeSim(
        host=host, port=port, controllers=not no_controllers, state_file=state, dumps=dumps
    )
    try:
        sim.start()
    except (OSError, ValueError) as exc:
        raise AuditorError(f"kubesim could not start: {exc}") from exc
    try:
        click.echo(f"kubesim (simulated Kubernetes API server) listening on {sim.url}", err=True)
        if kubeconfig_out is not None:
            sim.write_kubeconfig(kubeconfig_out, context=context)
            click.echo(f"kubeconfig written to {kubeconfig_out} (context {context})", err=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("kubesim stopping", err=True)
    finally:
        sim.stop()
