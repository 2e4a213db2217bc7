"""`SqlStore` on SQLite and the real PostgreSQL: migrations, findings with their age,
transitions stored as events exactly once, syncs, the audit log, retention."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, text

from auditor.diff import diff_resource
from auditor.model import (
    ActionKind,
    AppReport,
    FieldChange,
    ObjectAction,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    SyncResult,
    SyncStatus,
    UnmanagedChange,
    Violation,
)
from auditor.remediate.loopguard import HealEvent
from auditor.store import (
    Actor,
    EventType,
    FindingKind,
    LogEntry,
    RunContext,
    SqlStore,
    Trigger,
    database_url,
)
from auditor.store.migrate import head

KEY = ResourceKey("apps", "Deployment", "ns", "web")
OTHER = ResourceKey("", "ConfigMap", "ns", "web")
NOW = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
ALICE = Actor(user="alice", via="cli", source="laptop")


def report(
    sync: SyncStatus = SyncStatus.OUT_OF_SYNC,
    *,
    changes: tuple[FieldChange, ...] = (FieldChange("spec.replicas", 2, 4, "kubectl-scale"),),
    unmanaged: tuple[UnmanagedChange, ...] = (),
    extra: bool = False,
    error: str | None = None,
    violations: tuple[Violation, ...] = (),
) -> AppReport:
    status = ResourceStatus.OUT_OF_SYNC if changes else ResourceStatus.SYNCED
    resources = [ResourceDrift(KEY, "v1", status, changes=changes, unmanaged=unmanaged)]
    if extra:
        resources.append(ResourceDrift(OTHER, "v1", ResourceStatus.EXTRA))
    return AppReport(
        name="web",
        project="platform",
        cluster="prod",
        namespace="ns",
        path="apps/web",
        revision="abc",
        sync=sync,
        error=error,
        resources=tuple(resources) if sync != SyncStatus.UNKNOWN else (),
        violations=violations,
    )


def at(minutes: float) -> RunContext:
    moment = NOW + timedelta(minutes=minutes)
    return RunContext(
        trigger=Trigger.SCHEDULE,
        started_at=moment - timedelta(seconds=2),
        finished_at=moment,
        api_requests=7,
    )


def test_a_new_database_is_migrated_to_the_newest_schema(store: SqlStore) -> None:
    assert store.revision() is None
    store.ping()
    assert store.revision() == head()
    tables = set(inspect(store.engine).get_table_names())
    assert {"apps", "audit_runs", "findings", "events", "audit_log", "sync_ops"} <= tables


def test_findings_keep_their_age_and_transitions_are_stored_once(store: SqlStore) -> None:
    first = store.record_audit(report(), context=at(0))
    assert [e.type for e in first.events] == [EventType.DRIFT_DETECTED]
    [finding] = store.findings(app="web")
    assert finding.path == "spec.replicas" and finding.live == 4 and finding.desired == 2
    assert finding.manager == "kubectl-scale" and finding.first_seen == NOW
    again = store.record_audit(report(), context=at(5))
    assert again.events == ()  # the same drift: no new event, one open finding
    [finding] = store.findings(app="web")
    assert finding.first_seen == NOW and finding.last_seen == NOW + timedelta(minutes=5)
    state = store.app("web")
    assert state is not None and state.drift_since == NOW and state.sync_status == "OutOfSync"
    # More drift: the same episode, a changed fingerprint.
    grown = store.record_audit(report(extra=True), context=at(10))
    [detected] = grown.events
    assert detected.type == EventType.DRIFT_DETECTED and detected.payload["changed"] is True
    assert {f.finding for f in store.findings(app="web")} == {FindingKind.DRIFT, FindingKind.EXTRA}
    state = store.app("web")
    assert state is not None and state.drift_since == NOW  # still the same episode
    # Resolved.
    clean = store.record_audit(report(SyncStatus.SYNCED, changes=()), context=at(20))
    assert [e.type for e in clean.events] == [EventType.DRIFT_RESOLVED]
    assert store.findings(app="web") == []
    closed = store.findings(app="web", open_only=False)
    assert {f.resolved_at for f in closed} == {NOW + timedelta(minutes=20)}
    state = store.app("web")
    assert state is not None and state.drift_since is None and state.drift_fingerprint == ""
    assert [e.type for e in store.events()] == [
        EventType.DRIFT_DETECTED,
        EventType.DRIFT_DETECTED,
        EventType.DRIFT_RESOLVED,
    ]
    assert store.count_runs(app="web") == 4
    assert store.runs(app="web", limit=1)[0].api_requests == 7


def test_unknown_never_resolves_drift_and_fires_once(store: SqlStore) -> None:
    store.record_audit(report(), context=at(0))
    down = report(SyncStatus.UNKNOWN, error="cluster prod is unreachable: refused")
    first = store.record_audit(down, context=at(5))
    assert [e.type for e in first.events] == [EventType.APP_UNKNOWN]
    assert first.events[0].payload["error"].startswith("cluster prod is unreachable")
    assert store.record_audit(down, context=at(6)).events == ()
    [finding] = store.findings(app="web")  # still open, never Missing, never resolved
    assert finding.finding == FindingKind.DRIFT and finding.resolved_at is None
    state = store.app("web")
    assert state is not None and state.sync_status == "Unknown" and state.error
    assert state.drift_since == NOW
    back = store.record_audit(report(), context=at(10))
    assert back.events == ()  # the same drift as before the outage: nothing new


def test_a_scoped_audit_speaks_only_of_the_types_it_read(store: SqlStore) -> None:
    store.record_audit(report(extra=True), context=at(0))  # an Extra ConfigMap
    deployment_only = frozenset({("apps", "Deployment")})
    scoped = replace(at(1), read_types=deployment_only)
    clean = report(SyncStatus.SYNCED, changes=())
    result = store.record_audit(clean, context=scoped)
    [kept] = store.findings(app="web")
    assert kept.finding == FindingKind.EXTRA and kept.kind == "ConfigMap"  # not read: kept
    state = store.app("web")
    assert state is not None and state.sync_status == "OutOfSync"  # still drifted
    assert not any(e.type == EventType.DRIFT_RESOLVED for e in result.events)
    assert store.runs(app="web", limit=1)[0].sync_status == "OutOfSync"
    # A full audit reads every type and resolves it.
    full = store.record_audit(clean, context=at(2))
    assert [e.type for e in full.events] == [EventType.DRIFT_RESOLVED]
    assert store.findings(app="web") == []


def test_new_policy_violations_are_an_event(store: SqlStore) -> None:
    deny = Violation(policy="images/no-latest", severity="deny", message="latest", resource=KEY)
    waived = Violation(policy="x/y", severity="warn", message="w", resource=KEY, waived=True)
    baseline = store.record_audit(report(violations=(waived,)), context=at(0))
    assert not any(e.type == EventType.POLICY_VIOLATION_NEW for e in baseline.events)
    first = store.record_audit(report(violations=(deny, waived)), context=at(1))
    [new] = [e for e in first.events if e.type == EventType.POLICY_VIOLATION_NEW]
    assert [v["policy"] for v in new.payload["violations"]] == ["images/no-latest"]
    again = store.record_audit(report(violations=(deny, waived)), context=at(2))
    assert not any(e.type == EventType.POLICY_VIOLATION_NEW for e in again.events)
    assert {v.policy for v in store.violations(app="web")} == {"images/no-latest", "x/y"}
    store.record_audit(report(violations=()), context=at(3))
    assert store.violations(app="web") == []


def test_secret_values_never_reach_the_store(store: SqlStore) -> None:
    desired = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "ns"},
               "data": {"password": "aHVudGVyMg=="}}  # fmt: skip
    live = {**desired, "data": {"password": "c3VwZXJzZWNyZXQ="}}
    drift = diff_resource(desired, live)
    leaked = replace(report(), resources=(drift,))
    store.record_audit(leaked, context=at(0))
    dump = []
    with store.engine.connect() as conn:
        for table in ("findings", "events", "audit_runs", "apps"):
            dump += [str(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {table}"))]
    text_dump = "\n".join(dump)
    assert "supersecret" not in text_dump and "c3VwZXJzZWNyZXQ=" not in text_dump
    assert "hunter2" not in text_dump and "aHVudGVyMg==" not in text_dump
    assert "<secret sha256:" in text_dump


def sync_result(**kw: object) -> SyncResult:
    base = SyncResult(app="web", cluster="prod", dry_run=False, sync=SyncStatus.SYNCED)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_sync_operations_and_their_events(store: SqlStore) -> None:
    applied = ObjectAction(key=KEY, action=ActionKind.APPLIED, reason="OutOfSync", attempts=1)
    op = store.start_sync(
        app="web", cluster="prod", actor=ALICE, trigger="manual", dry_run=False, prune=False,
        job_id="sync-web", at=NOW,
    )  # fmt: skip
    assert [s.status for s in store.running_syncs(app="web")] == ["running"]
    [done] = store.finish_sync(op, sync_result(actions=(applied,)), at=NOW)
    assert done.type == EventType.SYNC_SUCCEEDED and done.payload["applied"] == 1
    [stored] = store.syncs(app="web")
    assert stored.status == "succeeded" and stored.actions[0]["resource"] == str(KEY)
    assert stored.actor == "alice" and stored.via == "cli" and store.running_syncs() == []
    heal = store.start_sync(
        app="web", cluster="prod", actor=ALICE, trigger="heal", dry_run=False, prune=False, at=NOW
    )
    [blocked] = store.finish_sync(heal, sync_result(blocked_by="sync window: deny"), at=NOW)
    assert blocked.type == EventType.AUTO_HEAL_BLOCKED
    lost = store.start_sync(
        app="web", cluster="prod", actor=ALICE, trigger="manual", dry_run=False, prune=True, at=NOW
    )
    [failed] = store.abandon_sync(lost, error="worker lost", at=NOW)
    assert (
        failed.type == EventType.SYNC_FAILED and store.abandon_sync(lost, error="x", at=NOW) == ()
    )
    dry = store.start_sync(
        app="web", cluster="prod", actor=ALICE, trigger="manual", dry_run=True, prune=False, at=NOW
    )
    assert store.finish_sync(dry, sync_result(dry_run=True), at=NOW) == ()


def test_the_audit_log_is_append_only_and_survives_retention(store: SqlStore) -> None:
    store.log(LogEntry(actor=ALICE, action="sync", target="web", result="denied"), at=NOW)
    store.log(
        LogEntry(actor=ALICE, action="sync", target="web", result="ok", detail={"prune": True}),
        at=NOW + timedelta(seconds=1),
    )
    store.record_audit(report(), context=at(0))
    store.record_audit(report(SyncStatus.SYNCED, changes=()), context=at(1))
    counts = store.retention(now=NOW + timedelta(days=40), keep_days=30)
    assert counts["audit_runs"] == 2 and counts["findings"] == 1 and counts["events"] == 2
    entries = store.audit_log(target="web")
    assert [(e.result, e.detail) for e in entries] == [("ok", {"prune": True}), ("denied", {})]
    assert entries[0].actor == ALICE


def test_retention_keeps_open_findings(store: SqlStore) -> None:
    store.record_audit(report(), context=at(0))
    store.retention(now=NOW + timedelta(days=40), keep_days=30)
    assert len(store.findings(app="web")) == 1


def test_heal_events_round_trip_filtered_by_resource_and_time(store: SqlStore) -> None:
    for minutes, key in ((90, KEY), (30, KEY), (10, KEY), (5, OTHER)):
        store.record_heal(
            HealEvent(
                app="a", cluster="c", key=key, time=NOW - timedelta(minutes=minutes),
                fields=("spec.replicas",), manager="fighter",
            )
        )  # fmt: skip
    store.record_heal(HealEvent(app="b", cluster="c", key=KEY, time=NOW))
    found = store.heals(app="a", cluster="c", key=KEY, since=NOW - timedelta(hours=1))
    assert [e.time for e in found] == [NOW - timedelta(minutes=30), NOW - timedelta(minutes=10)]
    assert all(e.fields == ("spec.replicas",) and e.manager == "fighter" for e in found)
    assert all(e.time.tzinfo is not None and e.key == KEY for e in found)


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'wal.db'}")
    store.ping()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_database_url_prefers_database_url_and_uses_psycopg(tmp_path: Path) -> None:
    assert database_url(cache_dir=tmp_path, env={}) == f"sqlite:///{tmp_path / 'gitops-auditor.db'}"
    url = database_url(cache_dir=tmp_path, env={"DATABASE_URL": "postgres://u@h/db"})
    assert url == "postgresql+psycopg://u@h/db"


def test_the_app_health_is_stored_with_its_state(store: SqlStore) -> None:
    from auditor.model import Health, HealthStatus

    degraded = replace(report(), health=Health(HealthStatus.DEGRADED, "Deployment has no pods"))
    store.record_audit(degraded, context=at(0))
    state = store.app("web")
    assert state is not None and state.health_status == "Degraded"
    assert state.health_message == "Deployment has no pods"
    store.record_audit(replace(report(), health=Health(HealthStatus.HEALTHY)), context=at(1))
    healed = store.app("web")
    assert healed is not None and (healed.health_status, healed.health_message) == ("Healthy", "")


def test_an_older_database_is_upgraded_keeping_its_apps(store: SqlStore) -> None:
    from auditor.store import migrate

    store.drop()
    migrate.upgrade(store.engine, "0001")
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO apps (name, project, cluster, namespace, path, mode, sync_status,"
                " health_status, revision, drift_fingerprint, updated_at) VALUES ('old', 'p',"
                " 'c', 'n', 'a', 'report', 'Synced', 'Healthy', 'r', '', :at)"
            ),
            {"at": NOW},
        )
    assert store.revision() == "0001"
    store.upgrade()
    assert store.revision() == head()
    kept = store.app("old")
    assert kept is not None and kept.sync_status == "Synced" and kept.health_message == ""


def test_writers_in_several_processes_wait_for_each_other(store: SqlStore) -> None:
    """Each store is one worker process's: its own engine and connections. Every audit
    reads the app's previous state and then writes; none may fail as locked."""
    store.upgrade()
    stores = [SqlStore(store.url) for _ in range(4)]
    apps = [f"app-{i}" for i in range(8)]

    def audits(each: SqlStore) -> None:
        for minute in range(10):
            for name in apps:
                each.record_audit(replace(report(), name=name), context=at(minute))

    try:
        with ThreadPoolExecutor(max_workers=len(stores)) as pool:
            list(pool.map(audits, stores))  # raises the first StoreError, if any
    finally:
        for each in stores:
            each.engine.dispose()
    assert store.count_runs() == len(stores) * 10 * len(apps)
    assert {a.name for a in store.apps()} == set(apps)


def test_event_fingerprints_of_a_kind_see_past_any_number_of_other_events(
    store: SqlStore,
) -> None:
    from auditor.store.records import NewEvent

    for i in range(600):  # more than one page of events
        store.record_event(NewEvent("web", EventType.SYNC_SUCCEEDED, f"op-{i}", {}), at=NOW)
    store.record_event(NewEvent("web", EventType.DRIFT_STILL_OPEN, "web-1h", {}), at=NOW)
    store.record_event(NewEvent("api", EventType.DRIFT_STILL_OPEN, "api-1h", {}), at=NOW)
    assert store.event_fingerprints(EventType.DRIFT_STILL_OPEN, apps=["web"]) == {"web-1h"}
    both = store.event_fingerprints(EventType.DRIFT_STILL_OPEN, apps=["web", "api"])
    assert both == {"web-1h", "api-1h"}
    assert store.event_fingerprints(EventType.DRIFT_STILL_OPEN, apps=[]) == set()
