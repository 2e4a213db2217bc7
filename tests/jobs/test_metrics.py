"""`/metrics` after real service work (rounds, a hand change, a sync, a notifier) on a real
Redis and two kubesim clusters: every metric the alerts and the dashboard use, with the
values the store and the jobs say, `promtool check metrics` clean, and the same answer
from every process of a multi-process web server."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from rq import Queue

from auditor.demo.drift import make_drift
from auditor.jobs import metrics, runtime, tasks
from auditor.jobs.queues import QUEUES
from auditor.jobs.worker import run_worker
from auditor.store.records import Event
from bot import create_app
from bot.context import Context
from tests.helpers.deploy import tool
from tests.helpers.metrics import METRICS
from tests.helpers.service import ServiceEnv, wait_for
from tests.jobs.test_fleet import free_port

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def work(service: ServiceEnv, *queues: str) -> None:
    run_worker(url=service.env["REDIS_URL"], queues=queues, burst=True)


def worked_url() -> str:
    return os.environ["REDIS_URL"]  # the service fixture applies its environment here


def scrape() -> str:
    context = Context(service=runtime.service(), redis_url=worked_url())
    response = create_app(context=context).test_client().get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def samples(text: str) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def one(found: dict[str, list[Sample]], name: str, **labels: str) -> float:
    (match,) = [s for s in found[name] if all(s.labels.get(k) == v for k, v in labels.items())]
    return match.value


class Flaky:
    """A notifier that sends one event, then fails."""

    name = "flaky"

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, event: Event) -> None:
        if self.sent:
            raise ConnectionError("webhook down")
        self.sent.append(event.id)


@pytest.fixture
def worked(service: ServiceEnv) -> Iterator[ServiceEnv]:
    tasks.plan_rounds()
    work(service, "audits", "syncs")
    make_drift(service.world.kubectl)
    tasks.plan_rounds()
    work(service, "audits")  # the heals stay queued: the drift is still open
    runtime.jobs().sync("billing", arguments={"user": "alice", "via": "cli", "trigger": "manual"})
    work(service, "syncs")
    flaky, steady = Flaky(), Flaky()
    steady.name, steady.send = "steady", lambda event: steady.sent.append(event.id)  # type: ignore[method-assign]
    runtime.service().notifiers.extend([flaky, steady])
    delivered = tasks.deliver_events()
    events = [e.id for e in runtime.service().store.events()]
    assert flaky.sent == events[:1] and steady.sent == events  # one failing stops no other
    assert delivered["failed"] == {"flaky": "ConnectionError: webhook down"}
    watcher = service.process("watcher")
    try:
        service.wait_for_log(watcher, "watcher: ready", timeout=60)
        redis = runtime.jobs().redis
        wait_for(lambda: redis.hlen(metrics.WATCHER) == 2, timeout=30)  # both clusters heard
    finally:
        watcher.terminate()
        assert watcher.wait(timeout=30) == 0
    yield service


def test_every_metric_the_alerts_use_with_the_service_s_values(
    worked: ServiceEnv, tmp_path: Path
) -> None:
    text = scrape()
    found = samples(text)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, (kind, labels) in METRICS.items():
        family = families[name.removesuffix("_total")]
        assert family.type == kind, name
        sample_names = {s.name for s in family.samples}
        assert name in sample_names or f"{name}_count" in sample_names, name  # all seen here
        for sample in family.samples:
            assert set(sample.labels) - {"le"} == set(labels), (name, sample.labels)
    store = runtime.service().store
    states = {s.name: s for s in store.apps()}
    info = {s.labels["app"]: s for s in found["gitops_auditor_app_info"]}
    assert set(info) == set(states)
    for name, state in states.items():
        assert info[name].labels["sync_status"] == state.sync_status
        assert info[name].labels["cluster"] == state.cluster
    drifted = {s.labels["app"]: s.value for s in found["gitops_auditor_app_drifted_resources"]}
    expected = {name: 0 for name in states}
    for finding in store.findings():
        if finding.finding != "unmanaged":
            expected[finding.app] = len(
                {f.resource for f in store.findings(app=finding.app) if f.finding != "unmanaged"}
            )
    assert drifted == expected
    assert drifted["my-api-dev"] >= 2 and drifted["billing"] == 0  # billing was synced
    assert one(found, "gitops_auditor_app_oldest_drift_age_seconds", app="my-api-dev") > 0
    assert one(found, "gitops_auditor_app_oldest_drift_age_seconds", app="billing") == 0
    unmanaged = {s.labels["app"]: s.value for s in found["gitops_auditor_app_unmanaged_changes"]}
    assert sum(unmanaged.values()) == len([f for f in store.findings() if f.finding == "unmanaged"])
    for cluster in ("in-cluster", "production"):
        assert one(found, "gitops_auditor_cluster_up", cluster=cluster) == 1
        assert one(found, "gitops_auditor_round_api_requests", cluster=cluster) > 0
        last = one(found, "gitops_auditor_round_last_success_timestamp_seconds", cluster=cluster)
        assert time.time() - 300 < last <= time.time()
    rounds = 4  # two rounds of two clusters, plus the audit that follows the sync
    assert one(found, "gitops_auditor_audit_stage_duration_seconds_count", stage="read") >= rounds
    succeeded = [op for op in store.syncs() if op.status == "succeeded"]
    assert {op.app for op in succeeded} >= {"billing"}  # and the heals that ran with it
    assert one(found, "gitops_auditor_syncs_total", result="succeeded") == len(succeeded)
    assert one(found, "gitops_auditor_notifications_total", notifier="flaky", result="sent") == 1
    assert one(found, "gitops_auditor_notifications_total", notifier="flaky", result="failed") == 1
    for queue in QUEUES:
        waiting = Queue(queue, connection=runtime.jobs().redis).count
        assert one(found, "gitops_auditor_queue_jobs", queue=queue, state="queued") == waiting
    runtime.jobs().audit_app("billing", trigger="cli")
    assert one(samples(scrape()), "gitops_auditor_queue_jobs", queue="audits", state="queued") == (
        one(found, "gitops_auditor_queue_jobs", queue="audits", state="queued") + 1
    )
    for cluster in ("in-cluster", "production"):
        assert 0 <= one(found, "gitops_auditor_watcher_lag_seconds", cluster=cluster) < 120
    check = subprocess.run(
        [str(tool("promtool")), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_web_process_gives_the_same_whole_service_numbers(worked: ServiceEnv) -> None:
    port = free_port()
    web = worked.process("web", "--port", str(port), "--workers", "3")
    try:
        url = f"http://127.0.0.1:{port}/metrics"

        def get() -> str | None:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    return str(response.read().decode())
            except OSError:
                return None

        wait_for(get, timeout=60, interval=0.5)
        apps = [
            sorted(
                (s.labels["app"], s.labels["sync_status"])
                for s in samples(get() or "")["gitops_auditor_app_info"]
            )  # fmt: skip
            for _ in range(6)
        ]
    finally:
        web.terminate()
        web.wait(timeout=30)
    assert all(a == apps[0] for a in apps) and len(apps[0]) == len(worked.world.discovery.apps)
