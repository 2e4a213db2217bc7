"""What `gitops-auditor jobs` (and later the web app) shows: queue depths by state, and the
failed jobs with their error's last line."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from auditor.jobs.queues import QUEUES


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    func: str
    ended_at: str
    error: str


def queue_depths(redis: Redis) -> dict[str, dict[str, int]]:
    out = {}
    for name in QUEUES:
        queue = Queue(name, connection=redis)
        out[name] = {
            "queued": queue.count,
            "started": StartedJobRegistry(name, connection=redis).count,
            "failed": FailedJobRegistry(name, connection=redis).count,
            "scheduled": ScheduledJobRegistry(name, connection=redis).count,  # type: ignore[no-untyped-call]
        }
    return out


def failed_jobs(redis: Redis, *, limit: int = 50) -> list[FailedJob]:
    found: list[FailedJob] = []
    for name in QUEUES:
        registry = FailedJobRegistry(name, connection=redis)
        for job_id in registry.get_job_ids(0, limit - 1):
            job = Job.fetch(job_id, connection=redis) if redis.exists(Job.key_for(job_id)) else None
            if job is None:
                continue
            info = job.latest_result()
            text = (info.exc_string if info is not None else "") or ""
            last = text.strip().splitlines()[-1] if text.strip() else "failed"
            ended = job.ended_at.isoformat() if job.ended_at else ""
            found.append(FailedJob(job.id, name, job.func_name or "", ended, last[:300]))
    return sorted(found, key=lambda f: f.ended_at, reverse=True)[:limit]
