"""Verdicts kept between runs: a new runner on the same cache gives the same violations
without evaluating or opening a result shelf, a waiver's last day still counts (verdicts
are kept for the day they were made), and a changed resource is evaluated again."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from auditor.model import Resource
from auditor.policy import PolicyRunner, RegoPolicyEngine, ResultCache, load_policy_set
from auditor.policy.runner import PolicyResult
from tests.policy.test_runner import TODAY, deployment, target


class Counting(RegoPolicyEngine):
    calls = 0

    def evaluate(self, **kwargs: Any) -> Any:
        Counting.calls += 1
        return super().evaluate(**kwargs)


class NoShelves(ResultCache):
    def _load(self, shelf: str) -> Any:
        raise AssertionError(f"shelf {shelf} opened")


def run(cache: ResultCache, resources: list[Resource], *, today: date = TODAY) -> PolicyResult:
    policies = load_policy_set()
    runner = PolicyRunner(policies=policies, engine=Counting(policies), cache=cache)
    return runner.run([target(*resources)], today=today)[0]


def waived(name: str, *, until: date) -> Resource:
    resource = deployment(name, "r.io/w:latest")
    resource.body["metadata"]["annotations"] = {
        "gitops-auditor.io/waive": "images/no-latest",
        "gitops-auditor.io/waive-reason": "pinned by the vendor",
        "gitops-auditor.io/waive-until": until.isoformat(),
    }
    return resource


def test_a_new_runner_reads_the_verdicts_and_evaluates_nothing(tmp_path: Path) -> None:
    resources = [deployment("w0", "r.io/w:latest"), waived("w1", until=TODAY)]
    first = run(ResultCache(tmp_path), resources)
    assert any(v.policy == "images/no-latest" and not v.waived for v in first.violations)
    assert any(v.policy == "images/no-latest" and v.waived for v in first.violations)
    Counting.calls = 0
    second = run(NoShelves(tmp_path), resources)
    assert second.violations == first.violations and Counting.calls == 0


def test_verdicts_are_the_days_they_were_made(tmp_path: Path) -> None:
    resources = [waived("w1", until=TODAY)]
    run(ResultCache(tmp_path), resources)
    tomorrow = run(ResultCache(tmp_path), resources, today=TODAY + timedelta(days=1))
    # The waiver ran out: the violation counts, with a warning naming the waiver.
    latest = [v for v in tomorrow.violations if v.policy == "images/no-latest"]
    assert latest and not any(v.waived for v in latest)
    assert any(v.policy == "gitops-auditor/waiver" for v in tomorrow.violations)


def test_a_changed_resource_is_evaluated_again(tmp_path: Path) -> None:
    run(ResultCache(tmp_path), [deployment("w0", "r.io/w:1")])
    Counting.calls = 0
    changed = run(ResultCache(tmp_path), [deployment("w0", "r.io/w:latest")])
    assert Counting.calls > 0
    assert any(v.policy == "images/no-latest" for v in changed.violations)
