"""`gitops-auditor sync --app A [--prune] [--dry-run]`: heal one app now (a manual sync:
sync windows with `manualSync: true` let it through; the loop guard does not apply).
Exit 0 when done and Synced, 1 when blocked, failed or still OutOfSync, 2 on error.
Also `remediate`, what `audit --heal/--pr` runs after its audit."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import click

from auditor.cli.common import build_cluster_pipeline, cluster_options, echo_json, repo_options
from auditor.forge.factory import forge_from_config
from auditor.model import AdoptResult, AuditReport, Discovery, Mode, SyncResult, SyncStatus
from auditor.pipeline import Pipeline, default_cache_dir
from auditor.pipeline.sync import SyncRequest
from auditor.report.sync import sync_json, sync_text
from auditor.sources import Checkout
from auditor.store import open_store


@click.command("sync")
@repo_options
@cluster_options
@click.option("--app", "app_name", required=True, help="The app to sync.")
@click.option("--prune", is_flag=True, help="Delete Extra resources (also: automated.prune).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text")
def command(
    repo: str | None,
    revision: str | None,
    config_path: str | None,
    kubeconfig: str | None,
    context: str | None,
    app_name: str,
    prune: bool,
    dry_run: bool,
    output: str,
) -> None:
    """Make the cluster match Git for one app: apply, then prune (server-side apply)."""
    pipeline = build_cluster_pipeline(config_path, kubeconfig=kubeconfig, context=context)
    checkout = pipeline.checkout(repo, revision)
    discovery = pipeline.discover(checkout)
    app = pipeline.find_app(discovery, app_name)
    store = None if dry_run else open_store(cache_dir=default_cache_dir(pipeline.config))
    result = pipeline.sync(
        checkout,
        app,
        request=SyncRequest(prune=prune, dry_run=dry_run, manual=True),
        projects=discovery.projects,
        store=store,
    )
    if output == "json":
        echo_json(sync_json(result))
    else:
        click.echo(sync_text(result))
    sys.exit(0 if result.done else 1)


@dataclass
class Remediation:
    """What `audit --heal/--pr` did after the audit: syncs and adopt PRs, per app."""

    syncs: list[SyncResult] = field(default_factory=list)
    adopts: list[AdoptResult] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "syncs": [sync_json(s) for s in self.syncs],
            "pullRequests": [
                {
                    "app": a.app,
                    "branch": a.branch,
                    "fingerprint": a.fingerprint,
                    "url": a.pr_url,
                    "number": a.pr_number,
                    "created": a.created,
                    "files": list(a.files),
                    "skipped": list(a.skipped),
                    "error": a.error,
                }
                for a in self.adopts
            ],
        }

    def as_text(self) -> str:
        lines = ["", "Remediation:"] if self.syncs or self.adopts else ["", "Remediation: none"]
        lines += [sync_text(s) for s in self.syncs]
        for a in self.adopts:
            if a.error:
                lines.append(f"{a.app}: no pull request: {a.error}")
            else:
                verb = "opened" if a.created else "updated"
                lines.append(f"{a.app}: {verb} {a.pr_url or a.branch} (branch {a.branch})")
        return "\n".join(lines)

    def exit_code(self, report: AuditReport, audit_code: int) -> int:
        """The audit's code, with apps healed to Synced counted as Synced."""
        if not self.syncs and not self.adopts:
            return audit_code
        healed = {s.app for s in self.syncs if s.done}
        status = [a.sync for a in report.apps if a.name not in healed]
        if SyncStatus.UNKNOWN in status:
            return 2
        failed = any(not s.done for s in self.syncs) or any(a.error for a in self.adopts)
        return 1 if failed or SyncStatus.OUT_OF_SYNC in status else 0


def remediate(
    pipeline: Pipeline,
    checkout: Checkout,
    discovery: Discovery,
    report: AuditReport,
    *,
    heal: bool,
    pr: bool,
) -> Remediation:
    """Heal (automatic sync) the OutOfSync apps in `heal` mode, and open adopt PRs for
    those in `pr` mode. An app's mode is the policy: naming it with --app does not
    change it (use `sync --app` for a one-off heal)."""
    outcome = Remediation()
    drifted = [
        app
        for a in report.apps
        if a.sync == SyncStatus.OUT_OF_SYNC and (app := discovery.app(a.name)) is not None
    ]
    if heal:
        store = open_store(cache_dir=default_cache_dir(pipeline.config))
        for app in (a for a in drifted if a.mode == Mode.HEAL):
            outcome.syncs.append(
                pipeline.sync(
                    checkout,
                    app,
                    request=SyncRequest(manual=False),
                    projects=discovery.projects,
                    store=store,
                )
            )
    if pr:
        settings = pipeline.config.remediation.forge
        for app in (a for a in drifted if a.mode == Mode.PR):
            if settings is None:
                outcome.adopts.append(
                    AdoptResult(
                        app=app.name,
                        branch="",
                        fingerprint="",
                        error="remediation.forge is not configured in gitops-auditor.yaml",
                    )
                )
                continue
            outcome.adopts.append(
                pipeline.adopt(
                    checkout,
                    app,
                    remote=settings.remote or app.source.repo_url,
                    base_branch=settings.base_branch,
                    forge=forge_from_config(settings),
                )
            )
    return outcome
