"""Backoff schedules and the loop guard's verdicts (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditor.model import ResourceKey, Retry
from auditor.remediate.loopguard import HealEvent, judge
from auditor.remediate.retry import delays

KEY = ResourceKey("apps", "Deployment", "ns", "web")
NOW = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)


def test_backoff_defaults_to_argo_cd_and_follows_the_application() -> None:
    assert delays(None) == [5.0, 10.0]
    assert delays(Retry(limit=5, duration_seconds=10, factor=3, max_duration_seconds=60)) == [
        10,
        30,
        60,
        60,
        60,
    ]
    assert delays(Retry(limit=0)) == []


def event(minutes_ago: float, manager: str = "fighter") -> HealEvent:
    return HealEvent(
        app="a", cluster="c", key=KEY, time=NOW - timedelta(minutes=minutes_ago), manager=manager
    )


def test_loop_guard_counts_only_heals_inside_the_window() -> None:
    recent = [event(5), event(10, "kubectl-edit"), event(20)]
    verdict = judge(recent, now=NOW, max_heals=3, window_seconds=3600)
    assert verdict.guarded and verdict.manager == "fighter" and "fighter" in verdict.reason
    assert not judge(recent[:2], now=NOW, max_heals=3, window_seconds=3600).guarded
    old = [event(5), event(10), event(120)]
    assert not judge(old, now=NOW, max_heals=3, window_seconds=3600).guarded
