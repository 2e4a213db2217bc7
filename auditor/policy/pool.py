"""A process pool of embedded engines: each worker compiles the policy set once, then
evaluates batches of resources (an app's jobs share a batch unless bigger than one),
streaming each batch's outcomes back in order.

Workers are sandboxes (`sandbox.py`: no environment, an address-space limit). A batch
whose worker died is evaluated again resource by resource (then rule by rule) in fresh
sandboxes, so only the rule that killed it becomes an error; the pool then starts anew.
Worker state (the compiled engine) is per process by nature, built by the initializer.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from auditor.policy.engine import Job, RawOutcome
from auditor.policy.library import PolicySet
from auditor.policy.rego import RegoPolicyEngine
from auditor.policy.sandbox import DEFAULT_MEMORY_MB, confine, isolated_outcomes

_WORKER: dict[str, Any] = {}
# Resources a batch holds at most: a worker's memory grows with its batch (the apps'
# contexts, inputs and outcomes), not with the fleet.
MAX_BATCH = 250


def _init_worker(policies: PolicySet, memory_mb: int) -> None:
    _exit_with_owner()
    confine(memory_mb)
    _WORKER["engine"] = RegoPolicyEngine(policies, probe=False)


def _exit_with_owner() -> None:
    """End this worker when the process that started the pool is gone (killed, or
    exited without closing the pool): it would otherwise wait for work forever, and keep
    the fork server alive with it."""
    owner = multiprocessing.parent_process()
    if owner is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([owner.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _ready() -> bool:
    return bool(_WORKER)


def _run_batch(batch: Sequence[Job]) -> list[list[RawOutcome]]:
    engine = _WORKER["engine"]
    results: list[list[RawOutcome]] = engine.evaluate_batch(batch)
    return results


def _context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server, a fresh process with this module preloaded: a
    plain fork of a threaded service process would copy its locks mid-use and keep its
    sockets open (a listening socket its owner closed would still accept connections,
    which then hang until their deadline)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


class WorkerPool:
    """`workers` processes running `RegoPolicyEngine`s over the same policy set."""

    def __init__(
        self,
        *,
        policies: PolicySet,
        workers: int | None = None,
        threshold: int = 400,
        batches_per_worker: int = 8,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        self.policies = policies
        self.memory_mb = memory_mb
        self.batches_per_worker = batches_per_worker
        self.workers = workers or os.cpu_count() or 1
        self.threshold = threshold
        self._executor: ProcessPoolExecutor | None = None
        self._active = 0  # streams in progress (threads of one process may share a pool)
        self._lock = threading.Lock()

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
        size = min(MAX_BATCH, max(50, total // (self.workers * self.batches_per_worker) + 1))
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
        with self._lock:
            self._active += 1
        try:
            yield from self._run(batches, work, total=len(jobs))
        finally:
            with self._lock:
                self._active -= 1

    def _run(
        self,
        batches: Sequence[Sequence[tuple[int, Job]]],
        work: Sequence[list[Job]],
        *,
        total: int,
    ) -> Iterator[tuple[int, list[tuple[int, list[RawOutcome]]]]]:
        done = 0
        while done < len(batches):
            try:
                for outcomes in self._pool().map(_run_batch, work[done:]):
                    yield self._pieces(batches, done, outcomes, total=total)
                    done += 1
            except Exception:  # noqa: BLE001 - a worker died or failed: isolate its batch
                self.close()
                outcomes = [
                    isolated_outcomes(self.policies, job, memory_mb=self.memory_mb)
                    for job in work[done]
                ]
                yield self._pieces(batches, done, outcomes, total=total)
                done += 1

    @staticmethod
    def _pieces(
        batches: Sequence[Sequence[tuple[int, Job]]],
        number: int,
        outcomes: Sequence[list[RawOutcome]],
        *,
        total: int,
    ) -> tuple[int, list[tuple[int, list[RawOutcome]]]]:
        batch = batches[number]
        following = batches[number + 1][0][0] if number + 1 < len(batches) else total
        pieces = [(index, result) for (index, _), result in zip(batch, outcomes, strict=True)]
        return following, pieces

    def warm_up(self) -> None:
        """Start the workers now (they compile the policies) so that work done before
        the first batch overlaps with their start-up."""
        self._pool().submit(_ready)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=_context(),
                initializer=_init_worker,
                initargs=(self.policies, self.memory_mb),
            )
        return self._executor

    @property
    def started(self) -> bool:
        """Whether the workers are up (or starting)."""
        return self._executor is not None

    def close_idle(self) -> None:
        """Stop the workers unless a stream is using them: their memory (compiled
        bundles) goes back, and the next evaluation starts them anew."""
        with self._lock:
            if self._active == 0:
                self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None
