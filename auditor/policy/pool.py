"""A process pool of embedded engines: each worker compiles the policy set once, then
evaluates batches of resources (an app's jobs share a batch unless bigger than one),
streaming each batch's outcomes back in order. Big runs only; small ones stay in-process.

Worker state (the compiled engine) is per process by nature, built by the initializer.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.policy.engine import Job, RawOutcome
from auditor.policy.library import PolicySet

_WORKER: dict[str, Any] = {}


def _init_worker(policies: PolicySet) -> None:
    from auditor.policy.rego import RegoPolicyEngine

    _WORKER["engine"] = RegoPolicyEngine(policies)


def _ready() -> bool:
    return bool(_WORKER)


def _run_batch(batch: Sequence[Job]) -> list[list[RawOutcome]]:
    engine = _WORKER["engine"]
    results: list[list[RawOutcome]] = engine.evaluate_batch(batch)
    return results


class WorkerPool:
    """`workers` processes running `RegoPolicyEngine`s over the same policy set."""

    def __init__(
        self,
        *,
        policies: PolicySet,
        workers: int | None = None,
        threshold: int = 400,
        batches_per_worker: int = 8,
    ) -> None:
        self.policies = policies
        self.batches_per_worker = batches_per_worker
        self.workers = workers or os.cpu_count() or 1
        self.threshold = threshold
        self._executor: ProcessPoolExecutor | None = None

    def evaluate(
        self, jobs: Sequence[Job], groups: Sequence[Hashable] | None = None
    ) -> list[list[RawOutcome]]:
        """Every job's outcomes, in order (see `stream`)."""
        out: list[list[RawOutcome]] = [[] for _ in jobs]
        for _, pieces in self.stream(jobs, groups):
            for index, result in pieces:
                out[index].extend(result)
        return out

    def stream(
        self, jobs: Sequence[Job], groups: Sequence[Hashable] | None = None
    ) -> Iterator[tuple[int, list[tuple[int, list[RawOutcome]]]]]:
        """Run jobs across the workers in batches of consecutive jobs, and yield each
        batch's (job index, outcomes) pieces as it completes, in order, with the number of
        leading jobs now complete, so the caller can use results while workers go on.

        A batch ends only between `groups` (e.g. the scopes of one app stay together, so
        a worker compiles that app's bundle once); a job bigger than a batch is split."""
        total = sum(len(job[2]) for job in jobs)
        size = max(50, total // (self.workers * self.batches_per_worker) + 1)
        batches: list[list[tuple[int, Job]]] = [[]]
        filled = 0
        previous: Hashable = object()
        for index, (scope, context, bodies) in enumerate(jobs):
            group = groups[index] if groups is not None else index
            for start in range(0, len(bodies), size):
                if filled >= size and (start or group != previous):
                    batches.append([])
                    filled = 0
                piece = list(bodies[start : start + size])
                batches[-1].append((index, (scope, context, piece)))
                filled += len(piece)
            previous = group
        batches = [batch for batch in batches if batch]
        work = [[job for _, job in batch] for batch in batches]
        results = self._pool().map(_run_batch, work) if work else iter(())
        for number, (batch, outcomes) in enumerate(zip(batches, results, strict=True)):
            following = batches[number + 1][0][0] if number + 1 < len(batches) else len(jobs)
            pieces = [(index, result) for (index, _), result in zip(batch, outcomes, strict=True)]
            yield following, pieces

    def warm_up(self) -> None:
        """Start the workers now (they compile the policies) so that work done before
        the first batch overlaps with their start-up."""
        self._pool().submit(_ready)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_init_worker,
                initargs=(self.policies,),
            )
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None
