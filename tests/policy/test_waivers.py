"""Waivers: reason required, expiry checked against the given day, problems reported."""

from __future__ import annotations

from datetime import date

from auditor.model import Resource, Violation
from auditor.policy.waivers import WAIVER_POLICY, apply_waivers

TODAY = date(2025, 6, 1)


def resource(**annotations: str) -> Resource:
    return Resource.of(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": annotations}}
    )


def finding(res: Resource, policy: str = "security/host-path") -> Violation:
    return Violation(policy=policy, severity="deny", message="m", resource=res.key, app="a")


def run(res: Resource) -> list[Violation]:
    return apply_waivers(
        [finding(res), finding(res, "images/no-latest")], resource=res, app="a", today=TODAY
    )


def test_valid_waiver_waives_named_policies_only() -> None:
    res = resource(
        **{
            "gitops-auditor.io/waive": "security/host-path",
            "gitops-auditor.io/waive-reason": "node exporter",
            "gitops-auditor.io/waive-until": "2025-06-01",
        }
    )
    host, latest = run(res)
    assert host.waived and host.waiver_reason == "node exporter (until 2025-06-01)"
    assert not latest.waived


def test_expired_waiver_does_not_waive_and_is_reported() -> None:
    res = resource(
        **{
            "gitops-auditor.io/waive": "security/host-path",
            "gitops-auditor.io/waive-reason": "r",
            "gitops-auditor.io/waive-until": "2025-05-31",
        }
    )
    out = run(res)
    assert not any(v.waived for v in out)
    [problem] = [v for v in out if v.policy == WAIVER_POLICY]
    assert problem.severity == "warn"
    assert "security/host-path" in problem.message and "expired on 2025-05-31" in problem.message


def test_waiver_without_reason_is_reported() -> None:
    out = run(resource(**{"gitops-auditor.io/waive": "security/host-path"}))
    assert not any(v.waived for v in out)
    assert any("waive-reason" in v.message for v in out if v.policy == WAIVER_POLICY)


def test_bad_date_is_reported() -> None:
    res = resource(
        **{
            "gitops-auditor.io/waive": "x",
            "gitops-auditor.io/waive-reason": "r",
            "gitops-auditor.io/waive-until": "next week",
        }
    )
    assert any("YYYY-MM-DD" in v.message for v in run(res))
