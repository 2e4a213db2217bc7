"""The queues on a real Redis: deterministic job ids, one pending job per id however often
it is asked for, a new one once the pending one has started."""

from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.job import Job

from auditor.config import ServiceConfig
from auditor.jobs.embedded import EmbeddedRedis
from auditor.jobs.queues import AUDITS, Jobs, job_id
from auditor.jobs.worker import AuditorWorker
from auditor.logs import current_request_id, request_context


def jobs_on(redis: EmbeddedRedis) -> Jobs:
    return Jobs(Redis.from_url(redis.url), config=ServiceConfig())


def test_job_ids_are_readable_and_safe() -> None:
    assert job_id("audit", "my-api-production", "head") == "audit-my-api-production-head"
    odd = job_id("audit", "web", "release/1.2")
    assert odd.startswith("audit-web-release_1_2_") and all(c.isalnum() or c in "-_" for c in odd)
    assert job_id("audit", "web", "release/1.2") == odd  # deterministic
    assert job_id("audit", "web", "release/1_2") != odd


def test_a_hundred_requests_leave_one_pending_job(redis: EmbeddedRedis) -> None:
    jobs = jobs_on(redis)
    results = [jobs.audit_app("web", trigger="watch") for _ in range(100)]
    assert sum(r.new for r in results) == 1
    assert {r.id for r in results} == {"audit-web-head"}
    queue = Queue(AUDITS, connection=jobs.redis)
    assert queue.job_ids == ["audit-web-head"]
    # Another app, another revision: their own jobs.
    assert jobs.audit_app("api", trigger="watch").new
    assert jobs.audit_app("web", revision="v2", trigger="watch").new
    assert len(queue.job_ids) == 3


def test_a_started_job_lets_the_next_request_in(redis: EmbeddedRedis) -> None:
    jobs = jobs_on(redis)
    first = jobs.audit_app("web", trigger="watch")
    queue = Queue(AUDITS, connection=jobs.redis)
    job = queue.fetch_job(first.id)
    assert job is not None
    # The worker takes it and the job releases its pending key as it starts.
    queue.remove(job)
    job.set_status("started")
    jobs.release(job.kwargs["pending"])
    second = jobs.audit_app("web", trigger="watch")
    assert second.new and second.id == "audit-web-head-1"  # the running one keeps its id
    assert not jobs.audit_app("web", trigger="watch").new


def test_one_pending_round_per_cluster(redis: EmbeddedRedis) -> None:
    jobs = jobs_on(redis)
    assert jobs.round("production", trigger="schedule").new
    assert not jobs.round("production", trigger="schedule").new
    assert jobs.round("in-cluster", trigger="schedule").new
    assert jobs.depth()[AUDITS] == 2


def request_id_seen(request_id: str = "") -> str:
    return current_request_id()  # as the job's log records see it


def test_a_job_logs_under_the_request_that_asked_for_it(redis: EmbeddedRedis) -> None:
    connection = Redis.from_url(redis.url)
    queue = Queue(AUDITS, connection=connection)
    asked = queue.enqueue(request_id_seen, kwargs={"request_id": "slack-42"}, job_id="asked")
    scheduled = queue.enqueue(request_id_seen, job_id="scheduled")
    AuditorWorker([queue], connection=connection).work(burst=True)
    assert asked.latest_result().return_value == "slack-42"  # type: ignore[union-attr]
    assert scheduled.latest_result().return_value == "scheduled"  # type: ignore[union-attr]
    assert current_request_id() == "-"  # bound for the job only


def test_a_job_enqueued_under_a_request_carries_it_to_the_jobs_it_enqueues(
    redis: EmbeddedRedis,
) -> None:
    jobs = jobs_on(redis)
    with request_context("web-7"):
        asked = jobs.notify()
    job = Job.fetch(asked.id, connection=jobs.redis)
    assert job.meta == {"request_id": "web-7"}
    assert jobs_on(redis).round("prod", trigger="schedule").new  # outside any request
    round_job = Job.fetch("round-prod", connection=jobs.redis)
    assert round_job.meta == {}
    queue = Queue(AUDITS, connection=jobs.redis)
    queue.empty()
    chained = queue.enqueue(request_id_seen, meta={"request_id": "web-7"}, job_id="chained")
    AuditorWorker([queue], connection=jobs.redis).work(burst=True)
    assert chained.latest_result().return_value == "web-7"  # type: ignore[union-attr]
