"""Policies in `audit`, end to end against kubesim: the built-in library on desired
state, and the live-state policies on real drift made with kubectl (unmanaged changes
and Extra resources count in production only)."""

from __future__ import annotations

import pytest

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.model import AuditReport, Violation
from auditor.pipeline.audit import audit as audit_flow

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo


def audit(world: DemoWorld) -> AuditReport:
    return audit_flow(world.pipeline, world.checkout, list(world.discovery.apps))


def live(report: AuditReport) -> dict[str, list[Violation]]:
    return {a.name: [v for v in a.violations if v.policy.startswith("live/")] for a in report.apps}


def test_live_policies_flag_production_only(world: DemoWorld) -> None:
    make_drift(world.kubectl)  # staging: unmanaged label; dev: an Extra ConfigMap
    ns = ("-n", "production")
    world.kubectl("label", "deployment", "my-api", *ns, "hotfix=yes", context="production")
    world.kubectl("create", "configmap", "scratch", *ns, "--from-literal=a=b", context="production")
    label = "app.kubernetes.io/instance=my-api-production"
    world.kubectl("label", "configmap", "scratch", *ns, label, context="production")
    report = audit(world)
    found = live(report)
    by_policy = {v.policy: v for v in found["my-api-production"]}
    unmanaged = by_policy["live/unmanaged-production"]
    assert unmanaged.severity == "deny"
    assert unmanaged.message.startswith(
        "Deployment production/my-api: unmanaged change to metadata.labels.hotfix by kubectl-label"
    )
    assert unmanaged.resource is not None and unmanaged.resource.name == "my-api"
    extra = by_policy["live/extra-production"]
    assert (
        extra.message
        == "ConfigMap production/scratch: in the production cluster but not in Git (Extra)"
    )
    assert extra.severity == "deny"
    assert found["my-api-staging"] == [] and found["my-api-dev"] == []
    assert all(not v for name, v in found.items() if name != "my-api-production")


def test_desired_state_policies_and_caching(world: DemoWorld) -> None:
    first = audit(world)
    found = {a.name: {(v.policy, v.severity) for v in a.violations} for a in first.apps}
    assert ("images/no-latest", "deny") in found["another-service-dev"]
    assert ("security/run-as-non-root", "deny") in found["billing"]
    assert ("argocd/retry", "deny") in found["root"]
    assert found["team-search"] == set()
    again = audit(world)  # served from the policy cache: the same results
    assert [a.violations for a in again.apps] == [a.violations for a in first.apps]
    assert not any(live(first).values())  # freshly synced: no live findings
