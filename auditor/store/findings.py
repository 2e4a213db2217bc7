"""Findings and violations of one app report, flattened for the store: one row per field
(drift, unmanaged change) or object (Missing, Extra), each with a fingerprint that stays
the same while the same field of the same object is out of line, whatever its values.
Pure; the values are the report's, already masked for Secrets.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from auditor.model import AppReport, ResourceKey, ResourceStatus, Violation
from auditor.store.records import FindingKind

DRIFT_KINDS = frozenset({FindingKind.DRIFT, FindingKind.MISSING, FindingKind.EXTRA})


@dataclass(frozen=True)
class FindingRow:
    fingerprint: str
    finding: FindingKind
    key: ResourceKey
    path: str = ""
    desired: Any = None
    live: Any = None
    manager: str = ""
    changed_at: str = ""


@dataclass(frozen=True)
class ViolationRow:
    fingerprint: str
    violation: Violation


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _fingerprint(app: str, key: ResourceKey, kind: FindingKind, path: str) -> str:
    return digest(app, key.group, key.kind, key.namespace, key.name, str(kind), path)


def finding_rows(report: AppReport) -> list[FindingRow]:
    """Every finding of the report, one per field or object."""
    rows: list[FindingRow] = []
    for drift in report.resources:
        key = drift.key
        if drift.status in (ResourceStatus.MISSING, ResourceStatus.EXTRA):
            kind = (
                FindingKind.MISSING if drift.status == ResourceStatus.MISSING else FindingKind.EXTRA
            )
            rows.append(FindingRow(_fingerprint(report.name, key, kind, ""), kind, key))
        for change in drift.changes:
            rows.append(
                FindingRow(
                    _fingerprint(report.name, key, FindingKind.DRIFT, change.path),
                    FindingKind.DRIFT,
                    key,
                    path=change.path,
                    desired=change.desired,
                    live=change.live,
                    manager=change.manager,
                    changed_at=change.time,
                )
            )
        for unmanaged in drift.unmanaged:
            rows.append(
                FindingRow(
                    _fingerprint(report.name, key, FindingKind.UNMANAGED, unmanaged.path),
                    FindingKind.UNMANAGED,
                    key,
                    path=unmanaged.path,
                    live=unmanaged.live,
                    manager=unmanaged.manager,
                    changed_at=unmanaged.time,
                )
            )
    unique = {row.fingerprint: row for row in rows}
    return list(unique.values())


def drift_fingerprint(fingerprints: set[str]) -> str:
    """One fingerprint for the app's whole drift (empty when there is none)."""
    return digest(*sorted(fingerprints)) if fingerprints else ""


def violation_rows(report: AppReport) -> list[ViolationRow]:
    rows = {}
    for v in report.violations:
        key = v.resource or ResourceKey("", "", "", "")
        fp = digest(report.name, v.policy, key.group, key.kind, key.namespace, key.name, v.message)
        rows[fp] = ViolationRow(fp, v)
    return list(rows.values())


def to_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
