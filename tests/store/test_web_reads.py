"""The store's reads for the dashboard and the API, on SQLite and PostgreSQL: the apps
list's counts (kept in memory only while nothing changed: another process's audit or
snooze shows at once), an app's last report (an Unknown audit keeps the previous one),
the drift timeline per cluster walked back through the events, top managers, oldest
drift, tokens and deliveries."""

from __future__ import annotations

from datetime import timedelta

from auditor.model import FieldChange, SyncStatus, UnmanagedChange, Violation
from auditor.store import SqlStore
from tests.store.test_sql_store import NOW, at, report


def test_the_apps_list_follows_every_audit_and_snooze(store: SqlStore) -> None:
    warn = Violation(policy="p/x", severity="warn", message="m", app="web")
    unmanaged = (UnmanagedChange("metadata.labels.owner", "alice", "kubectl-label", ""),)
    store.record_audit(report(violations=(warn,), unmanaged=unmanaged), context=at(0))
    (row,) = store.app_summaries()
    assert row.state.sync_status == "OutOfSync" and row.drifted == 1
    assert row.findings == {"drift": 1, "unmanaged": 1} and row.violations == {"warn": 1}
    other = SqlStore(store.url)  # another process: the web's view must see its writes
    other.record_audit(report(SyncStatus.SYNCED, changes=()), context=at(5))
    (row,) = store.app_summaries()
    assert row.state.sync_status == "Synced" and row.drifted == 0 and row.violations == {}
    assert other.snooze("web", until=NOW + timedelta(days=1))
    assert store.app_summaries()[0].state.snoozed_until == NOW + timedelta(days=1)
    assert other.snooze("web", until=None)
    assert store.app_summaries()[0].state.snoozed_until is None
    other.engine.dispose()


def test_an_unknown_audit_keeps_the_last_report(store: SqlStore) -> None:
    store.record_audit(report(), context=at(0))
    before = store.app_report("web")
    assert before is not None and before["resources"][0]["changes"][0]["path"] == "spec.replicas"
    store.record_audit(report(SyncStatus.UNKNOWN, error="cluster down"), context=at(5))
    assert store.app_report("web") == before
    assert store.app_report("nope") is None


def test_the_drift_timeline_walks_back_through_the_events(store: SqlStore) -> None:
    store.record_audit(report(SyncStatus.SYNCED, changes=()), context=at(0))
    store.record_audit(report(), context=at(10))  # drift detected at +10
    changed = (FieldChange("spec.replicas", 2, 5, "kubectl-scale"),)
    store.record_audit(report(changes=changed), context=at(20))  # the drift changed
    store.record_audit(report(SyncStatus.SYNCED, changes=()), context=at(30))  # resolved
    store.record_audit(report(), context=at(40))  # drifted again
    (line,) = store.drift_timeline(
        since=NOW - timedelta(minutes=5), until=NOW + timedelta(minutes=45), points=11
    )
    assert line.cluster == "prod"
    counts = [n for _, n in line.points]  # every 5 minutes from -5 to +45
    assert counts == [0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1]
    assert store.top_managers() == [("kubectl-scale", 1)]
    assert [a.name for a in store.oldest_drift()] == ["web"]


def test_tokens_and_deliveries(store: SqlStore) -> None:
    assert store.add_token(name="ci", role="role:ops", token_hash="a" * 64, at=NOW)
    assert not store.add_token(name="ci", role="role:ops", token_hash="b" * 64, at=NOW)
    found = store.token_by_hash("a" * 64, at=NOW)
    assert found is not None and found.role == "role:ops"
    assert store.tokens()[0].last_used_at == NOW  # its use is recorded
    assert store.revoke_token("ci") and store.token_by_hash("a" * 64, at=NOW) is None
    assert store.first_delivery(forge="github", delivery="d1", event="push", at=NOW)
    assert not store.first_delivery(forge="github", delivery="d1", event="push", at=NOW)
    assert store.first_delivery(forge="gitlab", delivery="d1", event="Push Hook", at=NOW)
    store.forget_delivery(forge="github", delivery="d1")
    assert store.first_delivery(forge="github", delivery="d1", event="push", at=NOW)
    gone = store.retention(now=NOW + timedelta(days=31), keep_days=30)
    assert gone["deliveries"] == 2
