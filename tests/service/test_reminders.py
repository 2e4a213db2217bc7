"""Reminders of drift still open (pure): one per drift episode and age passed, none for a
snoozed or synced app, none twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditor.service.reminders import due
from auditor.store.records import AppState, EventType

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def state(name: str, *, drifted: timedelta | None, sync: str = "OutOfSync",
          snoozed: datetime | None = None) -> AppState:  # fmt: skip
    return AppState(
        name=name, project="p", cluster="c", namespace="n", path="a", mode="report",
        sync_status=sync, health_status="Healthy", error=None, revision="r",
        drift_fingerprint="f" if drifted else "", drift_since=NOW - drifted if drifted else None,
        snoozed_until=snoozed, last_run_id=1, updated_at=NOW,
    )  # fmt: skip


def test_one_reminder_per_age_passed_and_none_twice() -> None:
    states = [
        state("fresh", drifted=timedelta(minutes=20)),
        state("hour", drifted=timedelta(hours=2)),
        state("days", drifted=timedelta(days=3)),
        state("synced", drifted=None, sync="Synced"),
        state("quiet", drifted=timedelta(days=3), snoozed=NOW + timedelta(hours=1)),
        state("woke", drifted=timedelta(days=3), snoozed=NOW - timedelta(hours=1)),
    ]
    first = due(states, ages=(3600, 86400), sent=set(), now=NOW)
    assert sorted((e.app, e.payload["age"]) for e in first) == [
        ("days", 3600), ("days", 86400), ("hour", 3600), ("woke", 3600), ("woke", 86400),
    ]  # fmt: skip
    assert {e.type for e in first} == {EventType.DRIFT_STILL_OPEN}
    again = due(states, ages=(3600, 86400), sent={e.fingerprint for e in first}, now=NOW)
    assert again == []
    episode = state("hour", drifted=timedelta(hours=2))
    later = due([episode], ages=(3600,), sent=set(), now=NOW + timedelta(minutes=5))
    assert [e.fingerprint for e in later] == [e.fingerprint for e in first if e.app == "hour"]
