"""The service's jobs on a real Redis, with an in-process burst worker, against two kubesim
clusters over HTTP: rounds store every app, hand changes become findings with manager and
time, heal-mode apps are healed with no command, a cluster that is down makes its apps
Unknown and resolves nothing, a broken app fails alone, a job past its timeout is killed.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.demo.drift import make_drift
from auditor.jobs import runtime, tasks
from auditor.jobs.inspect import failed_jobs
from auditor.jobs.worker import run_worker
from auditor.kubesim.faults import Fault
from auditor.sources.local import commit_all
from auditor.store import EventType, FindingKind
from tests.helpers.service import ServiceEnv

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def work(service: ServiceEnv, *queues: str) -> None:
    run_worker(url=service.env["REDIS_URL"], queues=queues or ("audits", "syncs"), burst=True)


def round_of_all(service: ServiceEnv) -> None:
    tasks.plan_rounds()
    work(service)


def test_a_round_stores_every_app_then_the_hand_changes(service: ServiceEnv) -> None:
    round_of_all(service)
    store = runtime.service().store
    apps = {a.name: a for a in store.apps()}
    assert len(apps) == len(service.world.discovery.apps)
    assert {a.sync_status for a in apps.values()} == {"Synced"}
    assert store.findings() == []
    make_drift(service.world.kubectl)
    tasks.plan_rounds()
    work(service, "audits")  # audits only: the heals wait in their queue
    found = {(f.app, f.path or f.name): f for f in store.findings()}
    image = found[("my-api-production", "spec.template.spec.containers[name=my-api].image")]
    assert image.finding == FindingKind.DRIFT and image.manager == "kubectl-set"
    assert image.live == "myregistry.com/my-api:v1.4.3-hotfix" and image.changed_at
    assert found[("my-api-staging", "metadata.labels.owner")].manager == "kubectl-label"
    assert found[("my-api-dev", "debug-dump")].finding == FindingKind.EXTRA
    assert found[("my-api-dev", "my-api")].finding == FindingKind.MISSING
    detected = {e.app for e in store.events() if e.type == EventType.DRIFT_DETECTED}
    assert detected == {"billing", "my-api-production", "my-api-dev", "another-service-dev"}
    assert {a.name for a in store.apps() if a.drift_since} == detected


def test_heal_mode_apps_are_healed_by_the_service_with_no_command(service: ServiceEnv) -> None:
    ctx = "production"
    world = service.world
    hotfix = "my-api=myregistry.com/my-api:v9-hotfix"
    world.kubectl("set", "image", "deployment/my-api", hotfix, "-n", "production", context=ctx)
    round_of_all(service)  # the audit finds the drift and enqueues the heal; the worker runs it
    store = runtime.service().store
    state = store.app("my-api-production")
    assert state is not None and state.sync_status == "Synced"  # the heal's own audit
    image = "jsonpath={.spec.template.spec.containers[0].image}"
    live = world.kubectl("get", "deployment", "my-api", "-n", "production", "-o", image,
                         context=ctx)  # fmt: skip
    assert live.stdout == "myregistry.com/my-api:v1.4.2"
    [op] = [s for s in store.syncs(app="my-api-production")]
    assert op.trigger == "heal" and op.status == "succeeded" and op.actor == "gitops-auditor"
    assert any(a["action"] == "applied" for a in op.actions)
    log = store.audit_log(target="my-api-production")
    assert [(e.action, e.result, e.actor.via) for e in reversed(log)] == [
        ("heal", "started", "service"),
        ("heal", "done", "service"),
    ]
    types = [e.type for e in store.events(app="my-api-production")]
    assert types == [EventType.DRIFT_DETECTED, EventType.SYNC_SUCCEEDED, EventType.DRIFT_RESOLVED]
    # A report-mode app is never touched.
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4", context=ctx)
    round_of_all(service)
    assert store.syncs(app="billing") == []


def test_a_cluster_that_is_down_makes_its_apps_unknown_and_resolves_nothing(
    service: ServiceEnv,
) -> None:
    world = service.world
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4",
                  context="production")  # fmt: skip
    round_of_all(service)
    store = runtime.service().store
    before = {f.fingerprint for f in store.findings(app="billing")}
    assert before
    world.fleet.sims["production"].stop()
    round_of_all(service)
    states = {a.name: a for a in store.apps()}
    production = [a for a in states.values() if a.cluster == "production"]
    assert production and all(a.sync_status == "Unknown" and a.error for a in production)
    assert all("production" in (a.error or "") for a in production)
    assert all(a.sync_status != "Unknown" for a in states.values() if a.cluster != "production")
    assert {f.fingerprint for f in store.findings(app="billing")} == before  # kept open
    assert not any(f.finding == FindingKind.MISSING for f in store.findings(app="billing"))
    types = [e.type for e in store.events(app="billing")]
    assert EventType.DRIFT_RESOLVED not in types and types[-1] == EventType.APP_UNKNOWN


def test_a_broken_app_fails_alone_and_visibly(
    service: ServiceEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = runtime.service().pipeline
    original = pipeline.render

    def render(app: Any, checkout: Any, **options: Any) -> Any:
        if app.name == "billing":
            raise RuntimeError("renderer crashed on billing")
        return original(app, checkout, **options)

    monkeypatch.setattr(pipeline, "render", render)
    runtime.jobs().round("production", trigger="schedule")
    work(service, "audits")
    store = runtime.service().store
    recorded = {a.name for a in store.apps()}
    on_production = {a.name for a in service.world.discovery.apps if a.cluster == "production"}
    assert recorded == on_production - {"billing"}  # every other app of the round
    failed = {f.id: f for f in failed_jobs(runtime.jobs().redis)}
    assert "renderer crashed on billing" in failed["audit-billing-head"].error
    assert "round-production" in failed  # the round itself says it broke
    entries = [e for e in store.audit_log() if e.action == "job-failed"]
    assert {e.target for e in entries} >= {"billing", "production"}


def test_a_job_past_its_timeout_is_killed_and_recorded(service: ServiceEnv) -> None:
    svc = runtime.service()
    runtime.install(service=svc)
    slow = Fault(latency=30, path="/api/v1/configmaps", times=None)
    service.world.fleet.sims["in-cluster"].faults.add(slow)
    jobs = runtime.jobs()
    jobs.config = jobs.config.model_copy(update={"job_timeout": 3})
    jobs.audit_app("my-api-staging", trigger="cli")
    work(service, "audits")
    service.world.fleet.sims["in-cluster"].faults.clear()
    [failed] = failed_jobs(jobs.redis)
    assert failed.id == "audit-my-api-staging-head" and "JobTimeoutException" in failed.error
    [entry] = [e for e in svc.store.audit_log() if e.action == "job-failed"]
    assert entry.target == "my-api-staging" and entry.result == "JobTimeoutException"


def test_a_push_audits_just_the_apps_it_changes_at_the_new_commit(service: ServiceEnv) -> None:
    round_of_all(service)
    store = runtime.service().store
    runs_before = store.count_runs()
    assert tasks.poll_git()["first"]  # the first poll only remembers where main is
    assert tasks.poll_git() == {"changed": False, "sha": service.world.sha}
    overlay = service.world.repo / "apps/my-api/overlays/production/kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("newTag: v1.4.2", "newTag: v1.5.0"))
    head = commit_all(service.world.repo, message="my-api: v1.5.0 in production")
    polled = tasks.poll_git()
    assert polled == {"changed": True, "sha": head, "apps": ["my-api-production"]}
    assert runtime.jobs().depth()["audits"] == 1
    work(service, "audits")
    assert store.count_runs() == runs_before + 1
    [run] = store.runs(app="my-api-production", limit=1)
    assert run.revision == head and run.trigger == "poll"
    state = store.app("my-api-production")
    assert state is not None and state.sync_status == "OutOfSync" and state.revision == head
    [found] = store.findings(app="my-api-production")
    assert found.path == "spec.template.spec.containers[name=my-api].image"
    assert found.desired == "myregistry.com/my-api:v1.5.0"


def test_single_app_audits_share_one_read_of_the_repo_between_polls(
    service: ServiceEnv,
) -> None:
    svc = runtime.service()
    target = svc.target
    first = svc.workspace(repo=target["repo"], revision=target["revision"], max_age=60)
    again = svc.workspace(repo=target["repo"], revision=target["revision"], max_age=60)
    assert again is first  # reused: no fetch, no discovery
    fresh = svc.workspace(repo=target["repo"], revision=target["revision"])
    assert fresh is not first and fresh.checkout.revision == first.checkout.revision
    assert svc.workspace(repo=target["repo"], revision=target["revision"], max_age=60) is fresh
    # A commit pushed since is seen once the reuse window has passed.
    readme = service.world.repo / "README.md"
    readme.write_text(readme.read_text() + "\nmore\n")
    head = commit_all(service.world.repo, message="docs")
    assert (
        svc.workspace(
            repo=target["repo"], revision=target["revision"], max_age=0.001
        ).checkout.revision
        == head
    )
