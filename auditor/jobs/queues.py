"""The three queues (`audits`, `syncs`, `notifications`) and the one way to put work on
them. Job ids are deterministic (`audit-<app>-<revision>`, `round-<cluster>`,
`sync-<app>`, `push-<before>-<after>`, `pr-<forge>-<number>-<head>`), and an atomic
pending key per id keeps at most one pending job for it: enqueuing the same audit a
hundred times while one waits leaves one job. A job releases its key when it starts, so a
change that arrives while it runs is audited again.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.job import Job, JobStatus

from auditor.config import ServiceConfig
from auditor.logs import NO_REQUEST, current_request_id

AUDITS, SYNCS, NOTIFICATIONS = "audits", "syncs", "notifications"
QUEUES = (AUDITS, SYNCS, NOTIFICATIONS)
PENDING = "gitops-auditor:pending:"
_BUSY = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def job_id(*parts: str) -> str:
    """An RQ job id (`[A-Za-z0-9_-]+`) from readable parts; long or odd parts are hashed."""
    out = []
    for part in parts:
        clean = _SAFE.sub("_", part)
        if clean != part or len(clean) > 60:
            clean = clean[:40] + "_" + hashlib.sha256(part.encode()).hexdigest()[:10]
        out.append(clean)
    return "-".join(out)


@dataclass(frozen=True)
class Enqueued:
    """What enqueuing did: the job id, and whether it was new (False: one was pending)."""

    id: str
    new: bool


class Jobs:
    """Enqueues the service's jobs with their ids, timeouts and retries."""

    def __init__(self, redis: Redis, *, config: ServiceConfig) -> None:
        self.redis = redis
        self.config = config
        self.queues = {name: Queue(name, connection=redis) for name in QUEUES}

    def audit_app(
        self, app: str, *, revision: str | None = None, trigger: str, request_id: str = ""
    ) -> Enqueued:
        base = job_id("audit", app, revision or "head")
        return self._once(
            AUDITS,
            base,
            "auditor.jobs.tasks.run_app_audit",
            kwargs={"app": app, "revision": revision, "trigger": trigger, "request_id": request_id},
        )

    def round(self, cluster: str, *, revision: str | None = None, trigger: str) -> Enqueued:
        base = job_id("round", cluster)
        return self._once(
            AUDITS,
            base,
            "auditor.jobs.tasks.run_round",
            kwargs={"cluster": cluster, "revision": revision, "trigger": trigger},
        )

    def sync(self, app: str, *, arguments: Mapping[str, Any]) -> Enqueued:
        """A sync of `app`: one pending per app; the lease lock in the job keeps one
        running; transient errors are retried by RQ."""
        return self._once(
            SYNCS,
            job_id("sync", app),
            "auditor.jobs.tasks.run_sync",
            kwargs={"app": app, **arguments},
            retry=Retry(max=2, interval=[10, 30]),
        )

    def adopt(self, app: str, *, arguments: Mapping[str, Any]) -> Enqueued:
        return self._once(
            SYNCS,
            job_id("adopt", app),
            "auditor.jobs.tasks.run_adopt",
            kwargs={"app": app, **arguments},
        )

    def chat_command(self, *, request_id: str, arguments: Mapping[str, Any]) -> Enqueued:
        """A `/gitops` command to run and answer (the Slack adapter's job, named by path:
        the queues never import the bot)."""
        return self._once(
            AUDITS,
            job_id("slack", request_id),
            "bot.slack.jobs.answer_command",
            kwargs=dict(arguments),
        )

    def push(self, *, before: str, after: str, ref: str, forge: str) -> Enqueued:
        """A push to the audited branch a forge told of: one job per `before..after`,
        which audits the apps the change affects."""
        return self._once(
            AUDITS,
            job_id("push", before, after),
            "auditor.jobs.tasks.run_push",
            kwargs={"before": before, "after": after, "ref": ref, "forge": forge},
        )

    def pull_request(self, *, forge: str, number: int, base: str, head: str) -> Enqueued:
        """The policy gate on a pull (merge) request at its head commit: one job per head,
        however many deliveries name it."""
        return self._once(
            AUDITS,
            job_id("pr", forge, str(number), head),
            "auditor.jobs.tasks.run_pr_check",
            kwargs={"forge": forge, "number": number, "base": base, "head": head},
        )

    def notify(self) -> Enqueued:
        return self._once(
            NOTIFICATIONS, "deliver-events", "auditor.jobs.tasks.deliver_events", kwargs={}
        )

    def _once(
        self,
        queue: str,
        base: str,
        func: str,
        *,
        kwargs: Mapping[str, Any],
        retry: Retry | None = None,
    ) -> Enqueued:
        ttl = self.config.job_timeout * 2
        if not self.redis.set(PENDING + base, "1", nx=True, ex=ttl):
            return Enqueued(id=base, new=False)
        chosen = self._free_id(base)
        asked_by = current_request_id()  # the web or Slack request (or job) enqueuing it
        self.queues[queue].enqueue(
            func,
            kwargs={**kwargs, "pending": base},
            meta={"request_id": asked_by} if asked_by != NO_REQUEST else {},
            job_id=chosen,
            job_timeout=self.config.job_timeout,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            retry=retry,
            on_failure=Callback("auditor.jobs.tasks.on_job_failure"),
        )
        return Enqueued(id=chosen, new=True)

    def _free_id(self, base: str) -> str:
        """`base`, or the first of `base-1`, `base-2`... that no job is using (an audit
        asked for while the previous one still runs)."""
        for suffix in ("", "-1", "-2", "-3"):
            candidate = base + suffix
            job = Job.fetch(candidate, connection=self.redis) if self._exists(candidate) else None
            if job is None or job.get_status(refresh=False) not in _BUSY:
                return candidate
        return base + "-4"

    def _exists(self, job: str) -> bool:
        return bool(self.redis.exists(Job.key_for(job)))

    def release(self, pending: str) -> None:
        """Called by a job as it starts: the next request for it enqueues again."""
        if pending:
            self.redis.delete(PENDING + pending)

    def depth(self) -> dict[str, int]:
        return {name: queue.count for name, queue in self.queues.items()}
