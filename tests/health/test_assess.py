"""Argo CD's health of every live object captured from real clusters, as its INDEX.md
records it (the expected statuses are Argo CD's own test expectations)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.health import app_health, resource_health
from auditor.model import Health, HealthStatus, ResourceKey
from tests.helpers import ARGOCD_HEALTH, load

NO_CHECK = "no built-in assessment"


def index_cases() -> list[tuple[str, str | None, str | None]]:
    """(file, expected status or None for no check, expected message or None) per row."""
    cases = []
    for line in (ARGOCD_HEALTH / "INDEX.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[0].endswith(".yaml") and ".yaml" not in cells[0]:
            continue
        files, healths = cells[0].split(" / "), cells[1].split(" / ")
        if len(healths) == 1:
            healths = healths * len(files)
        assert len(files) == len(healths), line
        for group, health in zip(files, healths, strict=True):
            message = re.search(r'\("([^"]*)"\)', health)
            status = None if NO_CHECK in health else health.split()[0]
            for name in re.findall(r"[\w.-]+\.yaml", group):
                cases.append((name, status, message.group(1) if message else None))
    return cases


CASES = index_cases()


def test_the_index_covers_every_captured_object() -> None:
    listed = {name for name, _, _ in CASES}
    on_disk = {p.name for p in Path(ARGOCD_HEALTH).glob("*.yaml")}
    assert listed == on_disk
    assert len(CASES) == len(on_disk) == 53


@pytest.mark.parametrize(("name", "status", "message"), CASES, ids=[c[0] for c in CASES])
def test_health_agrees_with_argo_cd(name: str, status: str | None, message: str | None) -> None:
    health = resource_health(load(ARGOCD_HEALTH / name))
    if status is None:
        assert health is None
        return
    assert health is not None
    assert health.status == HealthStatus(status), health
    if message is not None:
        assert health.message == message


def test_messages_say_what_argo_cd_says() -> None:
    progressing = resource_health(load(ARGOCD_HEALTH / "deployment-progressing.yaml"))
    assert progressing == Health(
        HealthStatus.PROGRESSING,
        "Waiting for rollout to finish: 1 old replicas are pending termination...",
    )
    degraded = resource_health(load(ARGOCD_HEALTH / "deployment-degraded.yaml"))
    assert degraded == Health(
        HealthStatus.DEGRADED, 'Deployment "guestbook-ui" exceeded its progress deadline'
    )
    pending = resource_health(load(ARGOCD_HEALTH / "pvc-pending.yaml"))
    assert pending == Health(HealthStatus.PROGRESSING, "Provisioning volume")
    failed = resource_health(load(ARGOCD_HEALTH / "job-failed.yaml"))
    assert failed == Health(HealthStatus.DEGRADED, "Job has reached the specified backoff limit")


def test_an_object_that_cannot_be_read_as_its_kind_is_unknown() -> None:
    broken = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
              "spec": {"replicas": "three"}, "status": {}}  # fmt: skip
    health = resource_health(broken)
    assert health is not None and health.status == HealthStatus.UNKNOWN
    assert "replicas" in health.message
    old = {"apiVersion": "extensions/v1beta1", "kind": "DaemonSet", "metadata": {"name": "x"}}
    assert resource_health(old) is None  # extensions DaemonSets have no check any more
    beta = {"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "x"}}
    unknown = resource_health(beta)
    assert unknown is not None and unknown.status == HealthStatus.UNKNOWN


def test_an_object_being_deleted_is_progressing() -> None:
    obj = load(ARGOCD_HEALTH / "svc-clusterip.yaml")
    obj["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    assert resource_health(obj) == Health(HealthStatus.PROGRESSING, "Pending deletion")


def test_cronjob_follows_argo_cd_s_builtin_check() -> None:
    base = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}}
    assert resource_health({**base, "spec": {"suspend": True}}) == Health(
        HealthStatus.SUSPENDED, "CronJob is Suspended"
    )
    running = {**base, "spec": {}, "status": {"active": [{"name": "c-1"}]}}
    assert resource_health(running) == Health(
        HealthStatus.PROGRESSING, "Waiting for 1 Jobs to complete"
    )
    late = {
        "lastScheduleTime": "2024-05-02T00:00:00Z",
        "lastSuccessfulTime": "2024-05-01T00:00:00Z",
    }
    failed = resource_health({**base, "spec": {}, "status": late})
    assert failed is not None and failed.status == HealthStatus.DEGRADED
    ok = {"lastScheduleTime": "2024-05-01T00:00:00Z", "lastSuccessfulTime": "2024-05-01T00:01:00Z"}
    healthy = resource_health({**base, "spec": {}, "status": ok})
    assert healthy is not None and healthy.status == HealthStatus.HEALTHY


def test_rollout_follows_argo_cd_s_builtin_check() -> None:
    def rollout(status: dict[str, object], **spec: object) -> dict[str, object]:
        meta = {"name": "r", "generation": 2}
        return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": meta,
                "spec": spec, "status": status}  # fmt: skip

    settled = {"observedGeneration": "2", "currentPodHash": "abc", "stableRS": "abc",
               "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}  # fmt: skip
    canary = {"canary": {"steps": []}}
    assert resource_health(rollout(settled, replicas=3, strategy=canary)) == Health(
        HealthStatus.HEALTHY
    )
    stepping = {**settled, "stableRS": "old"}
    health = resource_health(rollout(stepping, replicas=3, strategy=canary))
    assert health == Health(HealthStatus.PROGRESSING, "Waiting for rollout to finish steps")
    paused = {**settled, "pauseConditions": [{"reason": "CanaryPauseStep"}]}
    assert resource_health(rollout(paused, replicas=3, strategy=canary)) == Health(
        HealthStatus.SUSPENDED, "Rollout is paused"
    )
    aborted = {**settled, "conditions": [
        {"type": "Progressing", "reason": "RolloutAborted", "message": "aborted"}]}  # fmt: skip
    assert resource_health(rollout(aborted, replicas=3, strategy=canary)) == Health(
        HealthStatus.DEGRADED, "aborted"
    )
    stale = {**settled, "observedGeneration": "1"}
    got = resource_health(rollout(stale, replicas=3, strategy=canary))
    assert got is not None and got.status == HealthStatus.PROGRESSING


KEY = ResourceKey("apps", "Deployment", "ns", "web")


def test_app_health_is_the_worst_counted_resource() -> None:
    live = {"metadata": {}}
    degraded = Health(HealthStatus.DEGRADED, "boom")
    got = app_health(
        [
            (KEY, live, Health(HealthStatus.HEALTHY)),
            (ResourceKey("", "Pod", "ns", "p"), live, degraded),
            (ResourceKey("", "ConfigMap", "ns", "c"), live, None),
        ]
    )
    assert got == Health(HealthStatus.DEGRADED, "Pod ns/p: boom")


def test_app_health_ignores_missing_resources_unless_none_is_live() -> None:
    live = {"metadata": {}}
    missing = Health(HealthStatus.MISSING)
    some = app_health([(KEY, live, Health(HealthStatus.HEALTHY)), (KEY, None, missing)])
    assert some.status == HealthStatus.HEALTHY
    none = app_health([(KEY, None, missing)])
    assert none.status == HealthStatus.MISSING
    assert app_health([]).status == HealthStatus.HEALTHY


def test_app_health_skips_ignored_checks_and_suspended_jobs() -> None:
    ignored = {"metadata": {"annotations": {"argocd.argoproj.io/ignore-healthcheck": "true"}}}
    job = ResourceKey("batch", "Job", "ns", "j")
    got = app_health(
        [
            (KEY, ignored, Health(HealthStatus.DEGRADED, "ignored")),
            (job, {"metadata": {}}, Health(HealthStatus.SUSPENDED, "Job suspended")),
        ]
    )
    assert got.status == HealthStatus.HEALTHY


def replicaset(spec: dict[str, object], status: dict[str, object], generation: int = 1) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7d9", "namespace": "shop", "generation": generation},
            "spec": spec, "status": {"observedGeneration": 1, **status}}  # fmt: skip


def test_replicaset_follows_argo_cd_s_builtin_check() -> None:
    assert resource_health(replicaset({"replicas": 3}, {"availableReplicas": 3})) == Health(
        HealthStatus.HEALTHY
    )
    waiting = resource_health(replicaset({"replicas": 3}, {"availableReplicas": 1}))
    assert waiting.status == HealthStatus.PROGRESSING
    assert waiting.message == (
        "Waiting for rollout to finish: 1 out of 3 new replicas are available..."
    )
    quota = 'pods "web-7d9-" is forbidden: exceeded quota'
    failed = {"conditions": [{"type": "ReplicaFailure", "status": "True", "message": quota}]}
    degraded = resource_health(replicaset({"replicas": 3}, {"availableReplicas": 0, **failed}))
    assert degraded.status == HealthStatus.DEGRADED and "exceeded quota" in degraded.message
    behind = resource_health(replicaset({"replicas": 3}, {"availableReplicas": 3}, generation=2))
    assert behind.status == HealthStatus.PROGRESSING  # the controller has not seen it yet
    scaled_down = resource_health(replicaset({"replicas": 0}, {}))
    assert scaled_down.status == HealthStatus.HEALTHY
