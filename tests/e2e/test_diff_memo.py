"""Audits against kubesim that reuse the last round's comparisons: only what changed (a
live write bumps its resourceVersion, a commit changes the desired body) is compared
again, and every round's answer is the one a fresh audit gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.model import AuditReport
from auditor.pipeline import Pipeline
from auditor.pipeline.audit import audit
from auditor.pipeline.memos import DiffMemos

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo


def round_of(pipeline: Pipeline, world: DemoWorld) -> AuditReport:
    return audit(pipeline, world.checkout, world.discovery.apps)


def fresh(world: DemoWorld) -> AuditReport:
    """The same audit with no memo at all."""
    return round_of(dataclasses.replace(world.pipeline, memos=DiffMemos(None)), world)


def test_unchanged_objects_are_not_compared_again(world: DemoWorld) -> None:
    first = round_of(world.pipeline, world)
    assert first.stats.diffs > 30 and first.stats.diffs_reused == 0
    second = round_of(world.pipeline, world)
    assert second.apps == first.apps
    assert second.stats.diffs_reused == second.stats.diffs


def test_live_edits_are_compared_again_and_found(world: DemoWorld) -> None:
    round_of(world.pipeline, world)
    make_drift(world.kubectl)  # scale, set image, label, delete, create: new versions
    drifted = round_of(world.pipeline, world)
    assert drifted.apps == fresh(world).apps
    assert 0 < drifted.stats.diffs_reused < drifted.stats.diffs
    billing = next(a for a in drifted.apps if a.name == "billing")
    changes = {c.path: (c.desired, c.live) for d in billing.resources for c in d.changes}
    assert changes["spec.replicas"] == (2, 4)


def test_a_new_process_reuses_the_kept_comparisons(world: DemoWorld, tmp_path: Path) -> None:
    first = round_of(world.pipeline, world)
    again = Pipeline.from_config(
        world.pipeline.config,
        cache_dir=tmp_path / "cache",  # the world's (tests/e2e/conftest.py)
        kubeconfig=str(world.fleet.kubeconfig),
    )
    try:
        second = round_of(again, world)
    finally:
        again.close()
    assert second.apps == first.apps
    assert second.stats.diffs_reused == second.stats.diffs
