"""Pure waiver handling: resource annotations that excuse named policies.

`gitops-auditor.io/waive: <policy-id>[,...]` needs `gitops-auditor.io/waive-reason`;
`gitops-auditor.io/waive-until: YYYY-MM-DD` bounds it. A waiver without a reason, expired
or with a bad date waives nothing and is reported as a warning naming it. "Today" is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from auditor.model import Resource, Violation

WAIVE = "gitops-auditor.io/waive"
WAIVE_REASON = "gitops-auditor.io/waive-reason"
WAIVE_UNTIL = "gitops-auditor.io/waive-until"
WAIVER_POLICY = "gitops-auditor/waiver"


@dataclass(frozen=True)
class Waiver:
    """The waiver annotations of one resource, checked against a date."""

    policies: frozenset[str]
    reason: str
    until: date | None
    problem: str = ""

    def applies(self) -> bool:
        return not self.problem


def read_waiver(body: Mapping[str, Any], *, today: date) -> Waiver | None:
    """The waiver a resource declares, or None; `problem` says why it does not apply."""
    meta = body.get("metadata") or {}
    annotations = (meta.get("annotations") or {}) if isinstance(meta, Mapping) else {}
    if not isinstance(annotations, Mapping) or WAIVE not in annotations:
        return None
    ids = frozenset(p.strip() for p in str(annotations.get(WAIVE) or "").split(",") if p.strip())
    reason = str(annotations.get(WAIVE_REASON) or "").strip()
    raw_until = str(annotations.get(WAIVE_UNTIL) or "").strip()
    named = ", ".join(sorted(ids)) or "(no policy)"
    until: date | None = None
    problem = ""
    if raw_until:
        try:
            until = date.fromisoformat(raw_until)
        except ValueError:
            problem = f"waiver of {named}: {WAIVE_UNTIL} {raw_until!r} is not a YYYY-MM-DD date"
    if not problem and not reason:
        problem = f"waiver of {named} has no {WAIVE_REASON} annotation: not applied"
    if not problem and until is not None and until < today:
        problem = f"waiver of {named} expired on {until.isoformat()}: not applied"
    if not problem and not ids:
        problem = f"{WAIVE} names no policy"
    return Waiver(policies=ids, reason=reason, until=until, problem=problem)


def apply_waivers(
    violations: Iterable[Violation], *, resource: Resource, app: str, today: date
) -> list[Violation]:
    """Mark waived violations of `resource`; add a warning for an unusable waiver."""
    waiver = read_waiver(resource.body, today=today)
    items = list(violations)
    if waiver is None:
        return items
    if not waiver.applies():
        return [*items, _problem(waiver, resource=resource, app=app)]
    reason = waiver.reason + (f" (until {waiver.until.isoformat()})" if waiver.until else "")
    out: list[Violation] = []
    for violation in items:
        if violation.policy in waiver.policies and not violation.waived:
            violation = dataclasses.replace(violation, waived=True, waiver_reason=reason)
        out.append(violation)
    return out


def _problem(waiver: Waiver, *, resource: Resource, app: str) -> Violation:
    return Violation(
        policy=WAIVER_POLICY,
        severity="warn",
        message=waiver.problem,
        resource=resource.key,
        app=app,
        details={"waives": sorted(waiver.policies)},
        source=resource.source,
    )
