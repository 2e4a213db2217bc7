"""`gitops-auditor demo`: the newcomer's tour on embedded defaults (no cluster, no Redis).

Two simulated clusters (kubesim), the bundled example repo as a real git repository,
every app synced with the real kubectl as Argo CD would, an audit that finds nothing (no
false drift), drift made by hand with kubectl, the audit that finds it (each field, who
changed it and when), a heal of two apps and a pull request adopting a third's change.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import click

from auditor.demo.drift import make_drift
from auditor.demo.remediation import heal_demo, pr_demo
from auditor.demo.tour import demo_world, install_crds, sync_all
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
def command(example: Path | None) -> None:
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
    _title("Next")
    click.echo("  gitops-auditor apps --repo examples/k8s-deployments")
    click.echo("  gitops-auditor render --repo examples/k8s-deployments --app my-api-production")
    click.echo("  gitops-auditor check --repo examples/k8s-deployments")
    click.echo("  gitops-auditor kubesim --port 6443 --kubeconfig-out /tmp/kubesim.kubeconfig")
