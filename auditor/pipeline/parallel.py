"""Running one function over several items on threads (clusters read side by side,
apps rendered side by side)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
