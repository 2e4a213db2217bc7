"""Sync windows (Argo CD semantics), as a pure function of windows, app and clock."""

from __future__ import annotations

from datetime import UTC, datetime

from auditor.remediate.windows import can_sync

FRIDAY_NIGHT = datetime(2024, 6, 7, 23, 0, tzinfo=UTC)  # a Friday
WEDNESDAY = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
DENY = {
    "kind": "deny",
    "schedule": "0 22 * * 5",
    "duration": "60h",
    "applications": ["*-production"],
}
ALLOW = {"kind": "allow", "schedule": "0 9 * * 1-5", "duration": "8h", "namespaces": ["prod*"]}


def check(
    windows: list[dict[str, object]],
    *,
    app: str = "my-api-production",
    namespace: str = "production",
    manual: bool = False,
    now: datetime = FRIDAY_NIGHT,
) -> tuple[bool, str | None]:
    verdict = can_sync(
        windows, app=app, namespace=namespace, clusters=("production",), manual=manual, now=now
    )
    return verdict.allowed, verdict.blocked_by


def test_active_deny_window_blocks_and_names_itself() -> None:
    allowed, why = check([DENY])
    assert not allowed and why and "deny window '0 22 * * 5'" in why
    assert check([DENY], now=WEDNESDAY) == (True, None)
    assert check([DENY], app="my-api-staging") == (True, None)  # not matched


def test_manual_sync_passes_a_deny_window_only_with_manual_sync() -> None:
    assert check([DENY], manual=True)[0] is False
    assert check([{**DENY, "manualSync": True}], manual=True) == (True, None)
    assert check([{**DENY, "manualSync": True}], manual=False)[0] is False


def test_allow_windows_block_when_none_is_active() -> None:
    saturday = datetime(2024, 6, 8, 12, 0, tzinfo=UTC)
    allowed, why = check([ALLOW], now=saturday)
    assert not allowed and why and "outside every allow window" in why
    assert check([ALLOW], now=datetime(2024, 6, 5, 10, 0, tzinfo=UTC)) == (True, None)
    assert check([{**ALLOW, "manualSync": True}], now=saturday, manual=True) == (True, None)


def test_deny_wins_over_an_active_allow_and_time_zones_shift_windows() -> None:
    allow_all = {
        "kind": "allow",
        "schedule": "* * * * *",
        "duration": "1h",
        "clusters": ["production"],
    }
    assert check([allow_all, DENY])[0] is False
    # 22:00 Friday in Tokyo is 13:00 UTC: active at 14:00 UTC only with the time zone.
    tokyo = {**DENY, "timeZone": "Asia/Tokyo", "duration": "2h"}
    at = datetime(2024, 6, 7, 14, 0, tzinfo=UTC)
    assert check([tokyo], now=at)[0] is False
    assert check([{**tokyo, "timeZone": "UTC"}], now=at)[0] is True
