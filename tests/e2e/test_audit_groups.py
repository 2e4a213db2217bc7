"""An audit in groups of whole clusters, each cluster's objects read within a budget,
finds what one group of the whole fleet finds (two kubesim clusters, real kubectl, the
drift the demo makes), and reads each cluster once."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.model import AuditReport
from auditor.pipeline import audit as audit_module
from auditor.pipeline.memos import DiffMemos

pytestmark = pytest.mark.slow  # starts simulated clusters and syncs the repo


def fresh_round(world: DemoWorld) -> AuditReport:
    pipeline = dataclasses.replace(world.pipeline, memos=DiffMemos(None))
    return audit_module.audit(pipeline, world.checkout, world.discovery.apps)


def test_groups_and_a_read_budget_change_no_answer(
    world: DemoWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_drift(world.kubectl)
    whole = fresh_round(world)
    clusters = {a.cluster for a in world.discovery.apps}
    assert len(clusters) >= 2 and set(whole.stats.requests) == clusters
    assert any(a.sync == "OutOfSync" for a in whole.apps)
    monkeypatch.setattr(audit_module, "GROUP_APPS", 1)  # a group per cluster
    monkeypatch.setattr(audit_module, "READ_BUDGET", 1)  # one cluster's objects at a time
    parts = fresh_round(world)
    assert [a.name for a in parts.apps] == [a.name for a in world.discovery.apps]
    assert parts.apps == whole.apps
    # Each cluster read (the first round also asked for the clusters' API discovery).
    assert set(parts.stats.requests) == set(whole.stats.requests) == clusters
    assert parts.stats.diffs == whole.stats.diffs
