"""The events one audit emits, derived by comparing it with the app's previous state:
drift-detected (the app's drift is new or changed), drift-resolved (it is Synced again),
app-unknown (it could not be compared), policy-violation-new. Pure: the store calls it
inside the transaction that records the run, so each transition is stored exactly once.

An Unknown app keeps its drift: an unreachable cluster never resolves anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from auditor.model import AppReport, SyncStatus
from auditor.store.findings import DRIFT_KINDS, ViolationRow, digest, drift_fingerprint
from auditor.store.records import AppState, EventType, FindingKind, NewEvent

VIOLATION_SEVERITIES = frozenset({"deny", "warn", "error"})


def app_drift_fingerprint(
    app: str, sync: SyncStatus, findings: Sequence[tuple[str, FindingKind]]
) -> str:
    """The fingerprint of what makes the app OutOfSync (empty when it is Synced): its drift,
    Missing and Extra objects, or its unmanaged changes for a strict app."""
    if sync != SyncStatus.OUT_OF_SYNC:
        return ""
    drift = {fp for fp, kind in findings if kind in DRIFT_KINDS}
    if not drift:
        drift = {fp for fp, kind in findings if kind == FindingKind.UNMANAGED}
    return drift_fingerprint(drift) or digest(app, "out-of-sync")


def transitions(
    report: AppReport,
    *,
    previous: AppState | None,
    drift_fp: str,
    drift_since: datetime | None,
    new_violations: Sequence[ViolationRow],
) -> list[NewEvent]:
    """The events of `report` after `previous` (None: the app's first audit)."""
    was = previous.sync_status if previous else None
    if report.sync == SyncStatus.UNKNOWN:
        if was == SyncStatus.UNKNOWN:
            return []
        return [
            NewEvent(
                app=report.name,
                type=EventType.APP_UNKNOWN,
                fingerprint=digest(report.name, report.error or ""),
                payload={"error": report.error or "", "previous": was or ""},
            )
        ]
    events = []
    before = previous.drift_fingerprint if previous else ""
    if drift_fp and drift_fp != before:
        events.append(
            NewEvent(
                app=report.name,
                type=EventType.DRIFT_DETECTED,
                fingerprint=drift_fp,
                payload={
                    "previous": before,
                    "since": drift_since.isoformat() if drift_since else "",
                    "changed": bool(before),
                },
            )
        )
    elif not drift_fp and before:
        events.append(
            NewEvent(
                app=report.name,
                type=EventType.DRIFT_RESOLVED,
                fingerprint=before,
                payload={
                    "since": previous.drift_since.isoformat()
                    if previous and previous.drift_since
                    else ""
                },
            )
        )
    fresh = [
        row
        for row in new_violations
        if not row.violation.waived and row.violation.severity in VIOLATION_SEVERITIES
    ]
    if fresh:
        events.append(
            NewEvent(
                app=report.name,
                type=EventType.POLICY_VIOLATION_NEW,
                fingerprint=digest(*sorted(r.fingerprint for r in fresh)),
                payload={
                    "violations": [
                        {
                            "policy": r.violation.policy,
                            "severity": r.violation.severity,
                            "message": r.violation.message,
                            "resource": str(r.violation.resource or ""),
                        }
                        for r in fresh
                    ]
                },
            )
        )
    return events
