"""`bounded_stream` reads side by side yet holds no more than its budget (what is held
is measured from inside the running items and the consumer), and `cluster_groups` cuts
a fleet into groups of whole clusters."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from auditor.pipeline.audit import cluster_groups
from auditor.pipeline.parallel import bounded_stream
from tests.helpers.render import make_app


class Holding:
    """Counts the weight held at once: from an item's start until the consumer is done."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.running = 0
        self.most_running = 0
        self.lock = threading.Lock()

    def start(self, weight: int) -> None:
        with self.lock:
            self.now += weight
            self.running += 1
            self.peak = max(self.peak, self.now)
            self.most_running = max(self.most_running, self.running)

    def finished(self) -> None:
        with self.lock:
            self.running -= 1

    def let_go(self, weight: int) -> None:
        with self.lock:
            self.now -= weight


def test_results_stream_within_the_budget() -> None:
    weights = {f"c{i}": w for i, w in enumerate([3, 3, 3, 5, 1, 1, 9, 2])}
    held = Holding()

    def read(name: str) -> str:
        held.start(weights[name])
        time.sleep(0.02)
        held.finished()
        return name.upper()

    seen = []
    for name, value in bounded_stream(read, list(weights), weight=weights.__getitem__,
                                      budget=6, workers=8):  # fmt: skip
        assert value == name.upper()
        time.sleep(0.01)  # the consumer at work: what it holds still counts
        seen.append(name)
        held.let_go(weights[name])
    assert sorted(seen) == sorted(weights)
    # 9 is over the budget: it ran alone; every other moment held at most 6.
    assert held.peak == 9
    assert held.most_running >= 2  # side by side where the budget allowed


def test_without_a_binding_budget_items_run_side_by_side() -> None:
    held = Holding()

    def read(name: str) -> str:
        held.start(1)
        time.sleep(0.05)
        held.finished()
        return name

    items = [f"c{i}" for i in range(6)]
    out = [v for _, v in bounded_stream(read, items, weight=lambda _: 1, budget=100, workers=3)]
    assert sorted(out) == items
    assert held.most_running == 3


def test_an_error_reaches_the_consumer() -> None:
    def read(name: str) -> str:
        if name == "bad":
            raise RuntimeError("unreachable")
        return name

    with pytest.raises(RuntimeError, match="unreachable"):
        list(bounded_stream(read, ["a", "bad", "b"], weight=lambda _: 1, budget=1, workers=2))


def test_cluster_groups_keep_clusters_whole_and_in_order() -> None:
    clusters = ["x", "y", "x", "z", "z", "z", "w"]
    apps = [replace(make_app(f"apps/{i}", name=f"a{i}"), cluster=c) for i, c in enumerate(clusters)]
    groups = [[a.name for a in g] for g in cluster_groups(apps, limit=3)]
    # x (2) then y (1) fit in 3; z (3) alone; w (1) starts the next.
    assert groups == [["a0", "a2", "a1"], ["a3", "a4", "a5"], ["a6"]]
    assert [[a.name for a in g] for g in cluster_groups(apps, limit=2)] == [
        ["a0", "a2"], ["a1"], ["a3", "a4", "a5"], ["a6"]
    ]  # fmt: skip
    assert len(cluster_groups(apps, limit=100)) == 1
