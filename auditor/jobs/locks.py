"""The lease lock that keeps one sync per app at a time. The holder renews its lease in
the background; a worker that dies (even by SIGKILL) stops renewing, so the lock frees
itself after one lease and a crashed worker can never hold an app forever.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from auditor.errors import AuditorError

PREFIX = "gitops-auditor:lock:sync:"


class LockBusy(AuditorError):
    """Another sync of the app holds the lock (the job is retried later)."""


def lock_key(app: str) -> str:
    return PREFIX + app


def held(redis: Redis, app: str) -> bool:
    """Whether a live sync holds the app's lock."""
    return bool(redis.exists(lock_key(app)))


@contextmanager
def sync_lease(redis: Redis, app: str, *, lease: float, wait: float) -> Iterator[Lock]:
    """Hold the app's sync lock, renewed every third of `lease`, for the block's duration;
    `LockBusy` when another holder keeps it longer than `wait` seconds."""
    lock = Lock(redis, lock_key(app), timeout=lease, blocking_timeout=wait, thread_local=False)
    if not lock.acquire(blocking=wait > 0):
        raise LockBusy(f"a sync of {app} is already running")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease / 3):
            try:
                lock.reacquire()
            except (LockError, RedisError):
                return  # lost: the lease runs out and another sync may start

    keeper = threading.Thread(target=renew, name=f"lease-{app}", daemon=True)
    keeper.start()
    try:
        yield lock
    finally:
        stop.set()
        keeper.join(timeout=5)
        try:
            lock.release()
        except (LockError, RedisError):
            pass  # expired or Redis gone: it frees itself
