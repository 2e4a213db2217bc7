"""The service as processes (`gitops-auditor worker`, `watcher`), on a real Redis and two
kubesim clusters: a live change is a stored finding within seconds and its revert
resolves it; a worker killed mid-sync frees its lock after one lease and the sync is
retried to Git's state; a Redis restart under load is survived by workers and watcher; a
round costs the same API requests with 1 and with 4 workers.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from rq import Worker
from rq.worker import WorkerStatus

from auditor.jobs import runtime, tasks
from auditor.jobs.embedded import EmbeddedRedis, start_embedded
from auditor.jobs.locks import held
from auditor.jobs.queues import Jobs
from auditor.jobs.worker import run_worker
from auditor.kubesim.faults import WRITES, Fault
from auditor.store import EventType
from tests.helpers.service import ServiceEnv, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.redis]
IMAGE = "jsonpath={.spec.template.spec.containers[0].image}"


@contextmanager
def processes(
    service: ServiceEnv, *commands: tuple[str, ...]
) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = [service.process(*command) for command in commands]
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        ignored = []
        for proc in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                ignored.append(proc.args)
        assert not ignored, f"went on after SIGTERM: {ignored}"


def idle(jobs: Jobs) -> bool:
    """No job queued or running, and a worker registered and waiting for work."""
    workers = Worker.all(connection=jobs.redis)
    return (
        bool(workers)
        and all(w.get_state() == WorkerStatus.IDLE for w in workers)
        and all(q.count == 0 and q.started_job_registry.count == 0 for q in jobs.queues.values())
    )


def test_idle_processes_stop_at_once_on_sigterm(service: ServiceEnv) -> None:
    with processes(service, ("worker",), ("watcher",), ("scheduler",)) as started:
        service.wait_for_log(started[1], "watcher: ready", timeout=60)
        # What the watcher's first events enqueue is done: the worker waits for work.
        wait_for(lambda: idle(runtime.jobs()), timeout=120)
        time.sleep(1)
        for proc in started:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=15) for proc in started]
    assert codes == [0, 0, 0]


def test_sigterm_lets_a_worker_finish_its_sync_first(service: ServiceEnv) -> None:
    world = service.world
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4",
                  context="production")  # fmt: skip
    sim = world.fleet.sims["production"]
    sim.faults.add(Fault(latency=3, methods=WRITES, path="/deployments/billing", times=1))
    runtime.jobs().sync("billing", arguments={"user": "alice", "via": "cli", "trigger": "manual"})
    with processes(service, ("worker", "--queues", "syncs")) as (worker,):
        store = runtime.service().store
        wait_for(lambda: sim.faults.hits >= 1, timeout=60)  # the apply is in flight
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    [op] = store.syncs(app="billing")
    assert op.status == "succeeded"
    replicas = world.kubectl("get", "deployment", "billing", "-n", "billing",
                             "-o", "jsonpath={.spec.replicas}", context="production")  # fmt: skip
    assert replicas.stdout == "2"


def image_finding(app: str) -> object:
    store = runtime.service().store
    return next(
        (f for f in store.findings(app=app) if f.path.endswith(".image") and f.manager), None
    )


def test_a_live_change_is_a_stored_finding_in_seconds_and_its_revert_resolves_it(
    service: ServiceEnv,
) -> None:
    world = service.world
    with processes(service, ("worker",), ("watcher",)) as (_, watcher):
        service.wait_for_log(watcher, "watcher: ready", timeout=60)
        hotfix = "my-api=myregistry.com/my-api:v1.4.3-hotfix"
        started = time.monotonic()
        world.kubectl("set", "image", "deployment/my-api", hotfix, "-n", "dev",
                      context="in-cluster")  # fmt: skip
        finding = wait_for(lambda: image_finding("my-api-dev"), timeout=30)
        latency = time.monotonic() - started
        assert finding.manager == "kubectl-set" and finding.changed_at  # type: ignore[attr-defined]
        assert finding.live == "myregistry.com/my-api:v1.4.3-hotfix"  # type: ignore[attr-defined]
        store = runtime.service().store
        runs = store.runs(app="my-api-dev")
        assert runs and runs[0].trigger == "watch"
        git = world.discovery.app("my-api-dev")
        assert git is not None
        rendered = world.pipeline.render(git, world.checkout)
        [deployment] = [r for r in rendered.resources if r.key.kind == "Deployment"]
        image = deployment.body["spec"]["template"]["spec"]["containers"][0]["image"]
        world.kubectl("set", "image", "deployment/my-api", f"my-api={image}", "-n", "dev",
                      context="in-cluster")  # fmt: skip

        def resolved() -> bool:
            return any(e.type == EventType.DRIFT_RESOLVED for e in store.events(app="my-api-dev"))

        wait_for(resolved, timeout=30)
    assert latency < 30


def test_a_worker_killed_mid_sync_frees_the_app_and_the_sync_is_retried(
    service: ServiceEnv,
) -> None:
    world = service.world
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4",
                  context="production")  # fmt: skip
    sim = world.fleet.sims["production"]
    sim.faults.add(Fault(latency=15, methods=WRITES, path="/deployments/billing", times=1))
    lease = runtime.service().config.service.sync_lease
    jobs = runtime.jobs()
    jobs.sync("billing", arguments={"user": "alice", "via": "cli", "trigger": "manual"})
    with processes(service, ("worker", "--queues", "syncs")) as (worker,):
        store = runtime.service().store
        wait_for(lambda: store.running_syncs(app="billing"), timeout=30)
        wait_for(lambda: sim.faults.hits >= 1, timeout=30)  # the apply is in flight
        assert held(jobs.redis, "billing")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    wait_for(lambda: not held(jobs.redis, "billing"), timeout=lease + 10)
    time.sleep(0.5)
    recovered = tasks.recover_syncs()
    [op] = store.syncs(app="billing")
    assert recovered == [op.id] and op.status == "failed" and "worker lost" in (op.error or "")
    [entry] = [e for e in store.audit_log(target="billing") if e.action == "sync-recovered"]
    assert entry.result == "retried"
    run_worker(url=service.env["REDIS_URL"], queues=("syncs",), burst=True)
    latest = store.syncs(app="billing")[0]
    assert latest.status == "succeeded" and latest.id != op.id
    replicas = world.kubectl("get", "deployment", "billing", "-n", "billing", "-o",
                             "jsonpath={.spec.replicas}", context="production")  # fmt: skip
    assert replicas.stdout == "2"  # Git's


def restart(redis: EmbeddedRedis, directory: object) -> EmbeddedRedis:
    redis.stop()
    time.sleep(2)
    return start_embedded(directory)  # type: ignore[arg-type]


def test_workers_and_the_watcher_survive_a_redis_restart(
    service: ServiceEnv, redis: EmbeddedRedis
) -> None:
    world = service.world
    store = runtime.service().store
    directory = redis.data_dir
    with processes(service, ("worker",), ("watcher",)) as (_, watcher):
        service.wait_for_log(watcher, "watcher: ready", timeout=60)
        for i in range(5):  # load: audits queued while Redis goes away
            runtime.jobs().audit_app(f"team-{'payments' if i % 2 else 'search'}", trigger="cli")
        second = restart(redis, directory)
        try:
            before = store.count_runs(app="my-api-dev")
            world.kubectl("label", "deployment", "my-api", "-n", "dev", "restarted=yes",
                          "--overwrite", context="in-cluster")  # fmt: skip
            wait_for(lambda: store.count_runs(app="my-api-dev") > before, timeout=60)
            runtime.reset()
            runtime.jobs().audit_app("billing", trigger="cli")
            wait_for(lambda: store.count_runs(app="billing") > 0, timeout=60)
        finally:
            second.stop()


def requests_of_a_round(service: ServiceEnv, workers: int) -> int:
    sims = service.world.fleet.sims.values()
    tasks.plan_rounds()
    before = sum(sim.faults.requests for sim in sims)
    with processes(service, *[("worker", "--burst", "--queues", "audits")] * workers) as procs:
        for proc in procs:
            proc.wait(timeout=120)
    return sum(sim.faults.requests for sim in sims) - before


def test_a_round_costs_the_same_requests_with_one_and_four_workers(service: ServiceEnv) -> None:
    one = requests_of_a_round(service, 1)
    four = requests_of_a_round(service, 4)
    store = runtime.service().store
    assert store.count_runs() == 2 * len(service.world.discovery.apps)
    assert one == four and one > 0
