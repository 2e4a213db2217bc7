"""Running one function over several items on threads (apps rendered side by side,
clusters read side by side)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int) -> list[R]:
    """`[fn(item) for item in items]` on up to `workers` threads, in order.

    When the caller is interrupted (an exception in one item, a job's timeout raised in
    the waiting thread) it is not held until the other items finish: items not started
    are cancelled and the running ones are left to end by their own deadlines."""
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))))
    try:
        results = list(pool.map(fn, items))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return results


def bounded_stream(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    weight: Callable[[T], int],
    budget: int,
    workers: int,
) -> Iterator[tuple[T, R]]:
    """`(item, fn(item))` as each completes, on up to `workers` threads, holding little:
    an item starts only while the weight of the results not yet let go (running, done,
    or in the caller's hands) and its own stay within `budget`, or when nothing is held.
    The caller lets a result go by asking for the next one.

    A cluster's objects are read this way: read side by side, compared as each lands,
    and no more of them in memory at once than the budget allows."""
    pending = deque(items)
    running: dict[Future[R], T] = {}
    held = 0
    pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))))
    try:
        while pending or running:
            while pending and len(running) < workers:
                cost = weight(pending[0])
                if held and held + cost > budget:
                    break
                item = pending.popleft()
                held += cost
                running[pool.submit(fn, item)] = item
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                item = running.pop(future)
                yield item, future.result()
                held -= weight(item)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
