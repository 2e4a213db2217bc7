"""What `audit --heal` and `audit --pr` do after the audit: heal (automatic sync) the
OutOfSync apps in `heal` mode and propose adopt PRs for those in `pr` mode. An app's
mode is the policy; naming it with `--app` does not change it (`sync --app` heals once).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.forge.factory import forge_from_config
from auditor.model import AdoptResult, AuditReport, Discovery, Mode, SyncResult, SyncStatus
from auditor.pipeline.core import Pipeline, default_cache_dir
from auditor.pipeline.sync import SyncRequest
from auditor.sources import Checkout
from auditor.store import open_store


@dataclass
class Remediation:
    """What `audit --heal/--pr` did after the audit: syncs and adopt PRs, per app."""

    syncs: list[SyncResult] = field(default_factory=list)
    adopts: list[AdoptResult] = field(default_factory=list)

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
