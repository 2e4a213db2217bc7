"""The exit codes, decided in the CLI alone from the engine's outcomes."""

from __future__ import annotations

from auditor.cli.exits import ERROR, FAIL, OK, audit_exit, sync_exit
from auditor.model import (
    ActionKind,
    AdoptResult,
    AppReport,
    AuditReport,
    ObjectAction,
    Remediation,
    ResourceKey,
    SyncResult,
    SyncStatus,
)


def report(**apps: SyncStatus) -> AuditReport:
    return AuditReport(
        revision="r",
        generated_at="t",
        apps=tuple(
            AppReport(name=n, project="p", cluster="c", namespace="", path="", revision="r", sync=s)
            for n, s in apps.items()
        ),
    )


def synced(app: str, status: SyncStatus = SyncStatus.SYNCED, **kw: object) -> SyncResult:
    return SyncResult(app=app, cluster="c", dry_run=False, sync=status, **kw)  # type: ignore[arg-type]


def test_audit_exit_codes() -> None:
    assert audit_exit(report(a=SyncStatus.SYNCED)) == OK
    assert audit_exit(report(a=SyncStatus.SYNCED, b=SyncStatus.OUT_OF_SYNC)) == FAIL
    assert audit_exit(report(a=SyncStatus.OUT_OF_SYNC, b=SyncStatus.UNKNOWN)) == ERROR


def test_healed_apps_count_as_synced() -> None:
    drifted = report(a=SyncStatus.SYNCED, b=SyncStatus.OUT_OF_SYNC)
    assert audit_exit(drifted, Remediation(syncs=(synced("b"),))) == OK
    failed = ObjectAction(key=ResourceKey("", "ConfigMap", "n", "x"), action=ActionKind.FAILED)
    not_done = synced("b", SyncStatus.OUT_OF_SYNC, actions=(failed,))
    assert audit_exit(drifted, Remediation(syncs=(not_done,))) == FAIL
    pr_failed = AdoptResult(app="b", branch="", fingerprint="", error="push refused")
    assert audit_exit(report(a=SyncStatus.SYNCED), Remediation(adopts=(pr_failed,))) == FAIL
    unknown = report(a=SyncStatus.UNKNOWN, b=SyncStatus.OUT_OF_SYNC)
    assert audit_exit(unknown, Remediation(syncs=(synced("b"),))) == ERROR


def test_sync_exit_codes() -> None:
    assert sync_exit(synced("a")) == OK
    assert sync_exit(synced("a", blocked_by="sync window: deny * * * * *")) == FAIL
    assert sync_exit(synced("a", SyncStatus.OUT_OF_SYNC)) == FAIL
