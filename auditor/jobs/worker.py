"""`gitops-auditor worker`: RQ workers on the service's queues. Any number, on any number of
machines, sharing one Redis and one database. Jobs run in the worker process (RQ's
`SimpleWorker`): the service it builds once (policies compiled, caches warm) serves every
job, and a job past its timeout is still stopped (RQ's SIGALRM death penalty) and failed.
SIGTERM finishes the current job, then stops (an idle worker stops at once, within
`IDLE_EXIT_SECONDS` whatever holds it). A lost Redis connection is waited out and the
worker starts again by itself.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.worker import WorkerStatus

from auditor.jobs import runtime
from auditor.jobs.connection import connect
from auditor.jobs.queues import SYNCS, Jobs
from auditor.logs import request_context
from auditor.service import Service

log = logging.getLogger(__name__)
IDLE_EXIT_SECONDS = 5.0  # an idle worker asked to stop is gone by then


def _exit_soon(seconds: float) -> None:
    def leave() -> None:
        log.warning("worker: still here %.0f s after a stop request while idle: exiting", seconds)
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True
    timer.start()


class AuditorWorker(SimpleWorker):
    """An RQ worker whose jobs share the process's service."""

    stop_signalled = False  # SIGTERM or SIGINT came (RQ marks only a busy worker's stop)

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run `job` with its request id (of the Slack or web request, or the job, that
        enqueued it; else the job's own id) on every record it logs and every job it
        enqueues in turn, so a command can be followed to its notification."""
        asked_by = job.meta.get("request_id") or job.kwargs.get("request_id") or job.id
        with request_context(str(asked_by)):
            super().execute_job(job, queue)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signalled = True
        if self.get_state() != WorkerStatus.BUSY:
            # Idle: nothing to finish. RQ ends the loop by raising from this handler;
            # should anything hold the process after that (a thread joined at exit, the
            # exception lost on its way), it still ends, with the same status.
            _exit_soon(IDLE_EXIT_SECONDS)
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]


def run_worker(
    *,
    url: str,
    queues: Sequence[str],
    burst: bool = False,
    maintenance_interval: int = 30,
    prepare: Callable[[Service], None] | None = None,
) -> int:
    """Work the queues until stopped (or, with `burst`, until they are empty); returns the
    number of worker lifetimes it went through (a Redis outage ends one). `prepare` is
    given the service first (the command adds the notifiers there)."""
    redis = connect(url)  # an unreachable Redis at start is one clear error
    service = runtime.service()
    if prepare is not None:
        prepare(service)
    runtime.install(jobs=Jobs(redis, config=service.config.service))
    stopping = threading.Event()
    lives = 0
    while True:
        lives += 1
        worker = AuditorWorker(
            [Queue(name, connection=redis) for name in queues],
            connection=redis,
            maintenance_interval=maintenance_interval,
        )
        if SYNCS in queues:
            _recover(redis)
        try:
            worker.work(burst=burst, logging_level="WARNING")
        except RedisError as exc:  # raised from RQ's own teardown when Redis is gone
            log.warning("worker: lost Redis: %s", exc)
        if burst or worker.stop_signalled:
            return lives
        # The work loop ended without a stop request: Redis went away. Wait for it.
        _wait_for(redis, stopping)
        if stopping.is_set():
            return lives


def _recover(redis: Redis) -> None:
    from auditor.jobs.tasks import recover_syncs

    try:
        recover_syncs()
    except RedisError as exc:
        log.warning("worker: could not check for abandoned syncs: %s", exc)


def _wait_for(redis: Redis, stopping: threading.Event) -> None:
    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, stop), signal.signal(signal.SIGINT, stop)
    delay = 0.5
    try:
        while not stopping.is_set():
            try:
                redis.ping()
                return
            except RedisError:
                log.warning("worker: Redis is unreachable; retrying in %.1fs", delay)
                stopping.wait(delay)
                delay = min(delay * 2, 10.0)
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
