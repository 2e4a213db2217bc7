"""GitHub commit statuses for apps, against the local stand-in for GitHub's statuses API
(a contract test): failure when an app drifts, success when it is back, on the commit it
was audited at; nothing for a working tree."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.config import Config, ForgeConfig, NotificationsConfig, RemediationConfig
from auditor.errors import ConfigError
from auditor.forge.standin import forge_standin
from auditor.model import (
    AppReport,
    FieldChange,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncStatus,
)
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.service.commit_status import commit_status_notifiers
from auditor.store import SqlStore
from auditor.store.records import RunContext, Trigger

pytestmark = pytest.mark.contract
SHA = "0123456789abcdef0123456789abcdef01234567"


def report(sync: SyncStatus, *, revision: str = SHA) -> AppReport:
    key = ResourceKey("apps", "Deployment", "shop", "web")
    change = FieldChange("spec.replicas", 2, 4, "kubectl-scale", "")
    drift = ResourceDrift(key, "v1", ResourceStatus.OUT_OF_SYNC, changes=(change,))
    return AppReport(
        name="web", project="default", cluster="production", namespace="shop", path="apps/web",
        revision=revision, sync=sync,
        resources=(drift,) if sync == SyncStatus.OUT_OF_SYNC else (),
    )  # fmt: skip


def record(service: Service, sync: SyncStatus, **kwargs: str) -> None:
    now = datetime.now(UTC)
    context = RunContext(trigger=Trigger.SCHEDULE, started_at=now, finished_at=now)
    service.store.record_audit(report(sync, **kwargs), context=context)


def test_statuses_follow_the_apps_drift(tmp_path: Path) -> None:
    with forge_standin("acme/deploy") as github:
        forge = ForgeConfig(kind="github", repo="acme/deploy", url=github.url)
        config = Config(
            remediation=RemediationConfig(forge=forge),
            notifications=NotificationsConfig(commit_status=True),
        )
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        pipeline = Pipeline.from_config(config, cache_dir=tmp_path / "c")
        service = Service(pipeline=pipeline, store=store)
        service.notifiers.extend(commit_status_notifiers(service))
        record(service, SyncStatus.SYNCED)
        record(service, SyncStatus.OUT_OF_SYNC)
        assert service.deliver().failed == {}
        record(service, SyncStatus.SYNCED)
        service.deliver()
        record(service, SyncStatus.OUT_OF_SYNC, revision="worktree")  # no commit to mark
        service.deliver()
        assert [(s["sha"], s["state"], s["context"]) for s in github.statuses] == [
            (SHA, "failure", "gitops-auditor/web"),
            (SHA, "success", "gitops-auditor/web"),
        ]
        assert github.statuses[0]["description"] == "web on production: drifted from Git"
        assert github.violations == []


def test_commit_statuses_need_a_github_forge(tmp_path: Path) -> None:
    config = Config(notifications=NotificationsConfig(commit_status=True))
    service = Service(pipeline=Pipeline.from_config(config, cache_dir=tmp_path / "c"))
    with pytest.raises(ConfigError, match="needs remediation.forge of kind github"):
        commit_status_notifiers(service)
