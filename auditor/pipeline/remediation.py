"""What the service and `audit --heal/--pr` do after an audit: heal (automatic sync) the
OutOfSync apps in `heal` mode and propose adopt PRs for those in `pr` mode. An app's
mode is the policy; naming it with `--app` does not change it (`sync --app` heals once).
"""

from __future__ import annotations

from auditor.errors import AuditorError
from auditor.model import AdoptResult, App, AuditReport, Discovery, Mode, Remediation, SyncStatus
from auditor.pipeline.core import Pipeline
from auditor.pipeline.sync import SyncRequest, adopt, sync
from auditor.remediate.adopt.git import redact
from auditor.sources import Checkout
from auditor.store import HealLog


def remediate(
    pipeline: Pipeline,
    checkout: Checkout,
    discovery: Discovery,
    report: AuditReport,
    *,
    heal: bool,
    pr: bool,
    store: HealLog | None,
) -> Remediation:
    """Heal the OutOfSync apps in `heal` mode (heals are remembered in `store` for the
    loop guard) and open adopt PRs for those in `pr` mode."""
    drifted = [
        app
        for a in report.apps
        if a.sync == SyncStatus.OUT_OF_SYNC and (app := discovery.app(a.name)) is not None
    ]
    syncs = tuple(
        sync(
            pipeline,
            checkout,
            app,
            request=SyncRequest(manual=False),
            projects=discovery.projects,
            store=store,
            neighbours=discovery.apps,
        )
        for app in drifted
        if heal and app.mode == Mode.HEAL
    )
    adopts = tuple(_adopt(pipeline, checkout, app) for app in drifted if pr and app.mode == Mode.PR)
    return Remediation(syncs=syncs, adopts=adopts)


def _adopt(pipeline: Pipeline, checkout: Checkout, app: App) -> AdoptResult:
    settings = pipeline.config.remediation.forge
    if settings is None:
        return AdoptResult(
            app=app.name,
            branch="",
            fingerprint="",
            error="remediation.forge is not configured in gitops-auditor.yaml",
        )
    from auditor.forge.factory import forge_from_config  # its clients load when a PR is due

    try:
        return adopt(
            pipeline,
            checkout,
            app,
            remote=settings.remote or app.source.repo_url,
            base_branch=settings.base_branch,
            forge=forge_from_config(settings, timeout=pipeline.config.timeouts.forge_seconds),
        )
    except AuditorError as exc:  # one failed PR fails that app, not the round
        return AdoptResult(app=app.name, branch="", fingerprint="", error=redact(exc.message))
