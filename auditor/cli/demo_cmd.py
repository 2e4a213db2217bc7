"""`gitops-auditor demo`: the newcomer's tour on embedded defaults (no cluster, no Redis).

Two simulated clusters (kubesim), the bundled example repo as a real git repository,
every app synced with the real kubectl as Argo CD would, an audit that finds nothing (no
false drift), drift made by hand with kubectl, the audit that finds it (each field, who
changed it and when), a heal of two apps and a pull request adopting a third's change.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections import Counter
from pathlib import Path

import click
import yaml

from auditor.demo.drift import make_drift
from auditor.demo.remediation import heal_demo, pr_demo
from auditor.demo.tour import DemoWorld, demo_world, install_crds, sync_all
from auditor.errors import AuditorError
from auditor.model import SyncStatus
from auditor.report.apps import apps_table
from auditor.report.audit.table import audit_table
from auditor.report.sync import sync_text

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "k8s-deployments"


def _title(text: str) -> None:
    click.secho(f"\n== {text}", bold=True)


@click.command("demo")
@click.option(
    "--example",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=EXAMPLE if EXAMPLE.is_dir() else None,
    help="Deployment repo to tour (default: the bundled examples/k8s-deployments).",
)
@click.option(
    "--serve",
    "serve_port",
    type=int,
    default=None,
    is_flag=False,
    flag_value=8080,
    help="After the tour, run the whole service on its clusters and repo, with the "
    "dashboard on this port (default 8080), until Ctrl-C.",
)
def command(example: Path | None, serve_port: int | None) -> None:
    """Tour gitops-auditor on simulated clusters and the example deployment repo."""
    if example is None:
        raise AuditorError("the example repo was not found; pass --example DIR")
    with tempfile.TemporaryDirectory(prefix="gitops-auditor-demo-") as tmp:
        with demo_world(example, Path(tmp)) as world:
            _title("Simulated clusters (kubesim, a Kubernetes API simulator)")
            for name, sim in world.fleet.sims.items():
                click.echo(f"  {name:<12} {sim.url}")
            _title(f"Example deployment repo, committed as {world.sha[:12]}")
            click.echo(f"  {world.repo}")
            _title(f"{len(world.discovery.apps)} apps discovered, as Argo CD would, no config")
            click.echo(apps_table(world.discovery))

            crds = install_crds(world)
            deployed = sync_all(world)
            _title(
                f"Synced {len(deployed)} apps with kubectl apply --server-side "
                f"(after {crds} CRDs), then audited"
            )
            clean = world.service.audit(**world.target).report
            counts = Counter(str(a.sync) for a in clean.apps)
            click.echo("  " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
            if counts.get(str(SyncStatus.SYNCED)) == len(clean.apps):
                click.echo("  No false drift: server defaults and controller fields are not drift.")

            _title("People change the clusters by hand (the real kubectl)")
            for step in make_drift(world.kubectl):
                click.echo(f"  $ {step.command()}")
                click.secho(f"      expect: {step.expect}", dim=True)

            _title("gitops-auditor audit")
            report = world.service.audit(**world.target).report
            click.echo(audit_table(report, stats=True))

            _title("gitops-auditor sync: heal billing and my-api-production (Git wins)")
            healed = heal_demo(world)
            for result in healed.results:
                click.echo(sync_text(result))
            click.echo(
                "  audit after the heal: "
                + ", ".join(f"{name} {status}" for name, status in healed.after.items())
            )

            _title("gitops-auditor audit --pr: adopt another-service-dev's change (live wins)")
            pr = pr_demo(world)
            click.echo(f"  branch {pr.branch} pushed to a local bare copy of the repo")
            click.echo(f"  pull request {pr.url} (on a {pr.label})")
            if serve_port is not None:
                sys.exit(_serve(world, Path(tmp), port=serve_port))
    _title("Next")
    click.echo("  gitops-auditor demo --serve   # this tour, then the dashboard on its data")
    click.echo("  gitops-auditor apps --repo examples/k8s-deployments")
    click.echo("  gitops-auditor render --repo examples/k8s-deployments --app my-api-production")
    click.echo("  gitops-auditor check --repo examples/k8s-deployments")
    click.echo("  gitops-auditor kubesim --port 6443 --kubeconfig-out /tmp/kubesim.kubeconfig")


def _serve(world: DemoWorld, workdir: Path, *, port: int) -> int:
    """The service (`serve`: Redis, workers, scheduler, watcher, web) over the demo's
    clusters and repo, its store in `workdir`, signed in with a fresh admin token."""
    from auditor.jobs.serve import serve

    config = world.pipeline.config.model_dump(mode="json", exclude_defaults=True)
    config["service"] = {"repo": str(world.repo), "revision": "main"}
    path = workdir / "gitops-auditor.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    token = "gat_" + secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
    env.pop("REDIS_URL", None)
    env.update(
        {
            "GITOPS_AUDITOR_CONFIG": str(path),
            "GITOPS_AUDITOR_API_TOKEN": token,
            "DATABASE_URL": f"sqlite:///{workdir / 'store.db'}",
            "KUBECONFIG": str(world.fleet.kubeconfig),
            "XDG_CACHE_HOME": str(workdir / "cache"),
        }
    )
    _title(f"The dashboard: http://127.0.0.1:{port}/apps")
    click.echo(f"  sign in with the token {token}")
    click.echo(f"  the API: curl -H 'Authorization: Bearer {token}' "
               f"http://127.0.0.1:{port}/api/v1/apps")  # fmt: skip
    click.echo("  the service audits the clusters now and every few minutes; Ctrl-C stops it")
    return serve(port=port, host="127.0.0.1", data_dir=workdir / "service", env=env)
