"""A process pool of embedded engines: each worker compiles the policy set once, then
evaluates batches of resources. Used for big runs; small ones stay in-process.

Worker state (the compiled engine) is per process by nature, built by the initializer.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.policy.engine import RawOutcome
from auditor.policy.library import PolicySet

Job = tuple[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]

_WORKER: dict[str, Any] = {}


def _init_worker(policies: PolicySet) -> None:
    from auditor.policy.rego import RegoPolicyEngine

    _WORKER["engine"] = RegoPolicyEngine(policies)


def _run_batch(batch: Sequence[Job]) -> list[list[RawOutcome]]:
    engine = _WORKER["engine"]
    return [
        engine.evaluate(scope=scope, context=context, resources=bodies)
        for scope, context, bodies in batch
    ]


class WorkerPool:
    """`workers` processes running `RegoPolicyEngine`s over the same policy set."""

    def __init__(
        self,
        *,
        policies: PolicySet,
        workers: int | None = None,
        threshold: int = 400,
        batches_per_worker: int = 4,
    ) -> None:
        self.policies = policies
        self.batches_per_worker = batches_per_worker
        self.workers = workers or os.cpu_count() or 1
        self.threshold = threshold
        self._executor: ProcessPoolExecutor | None = None

    def evaluate(self, jobs: Sequence[Job]) -> list[list[RawOutcome]]:
        """Run jobs across the workers in a few large batches of consecutive jobs (the
        scopes of one app stay together, so a worker compiles that app's bundle once);
        a job bigger than a batch is split."""
        total = sum(len(job[2]) for job in jobs)
        size = max(50, total // (self.workers * self.batches_per_worker) + 1)
        batches: list[list[tuple[int, Job]]] = [[]]
        filled = 0
        for index, (scope, context, bodies) in enumerate(jobs):
            for start in range(0, len(bodies), size):
                piece = list(bodies[start : start + size])
                if filled and filled + len(piece) > size:
                    batches.append([])
                    filled = 0
                batches[-1].append((index, (scope, context, piece)))
                filled += len(piece)
        out: list[list[RawOutcome]] = [[] for _ in jobs]
        batches = [batch for batch in batches if batch]
        work = [[job for _, job in batch] for batch in batches]
        for batch, results in zip(batches, self._pool().map(_run_batch, work), strict=True):
            for (index, _), result in zip(batch, results, strict=True):
                out[index].extend(result)
        return out

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
