"""Resource hooks as Argo CD runs them, against kubesim: PreSync before the waves,
PostSync after health, SyncFail on failure; delete policies and generateName; hooks are
never compared, pruned or healed, and `--dry-run` lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.config import Config, PolicyConfig
from auditor.model import ActionKind, SyncStatus
from tests.helpers.cluster import application, one_cluster

pytestmark = pytest.mark.slow  # starts a simulated cluster


def job(meta: str) -> str:
    return f"""
        apiVersion: batch/v1
        kind: Job
        metadata:
        {meta}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{{name: run, image: "busybox:1.36", command: [true]}}]
        """


SETTINGS = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    data: {currency: EUR}
    """
FILES = {
    "apps/shop.yaml": application("shop"),
    "apps/broken.yaml": application("broken"),
    "shop/settings.yaml": SETTINGS,
    "shop/migrate.yaml": job("""  generateName: migrate-
          annotations:
            argocd.argoproj.io/hook: PreSync
            argocd.argoproj.io/hook-delete-policy: HookSucceeded"""),
    "shop/smoke.yaml": job("""  name: smoke
          annotations: {argocd.argoproj.io/hook: PostSync}"""),
    "shop/page.yaml": job("""  name: page
          annotations: {argocd.argoproj.io/hook: SyncFail}"""),
    "broken/settings.yaml": SETTINGS,
    "broken/migrate.yaml": job("""  name: migrate
          annotations:
            argocd.argoproj.io/hook: PreSync
            argocd.argoproj.io/hook-delete-policy: HookFailed
            kubesim.gitops-auditor.io/job-result: Failed"""),
    "broken/page.yaml": job("""  name: page
          annotations: {argocd.argoproj.io/hook: SyncFail}"""),
}


def jobs(world: object, namespace: str) -> list[str]:
    out = world.run("get", "jobs", "-n", namespace, "-o", "name")  # type: ignore[attr-defined]
    return sorted(line.removeprefix("job.batch/") for line in out.split())


def test_hooks_run_in_their_phases_and_are_never_compared(tmp_path: Path) -> None:
    with one_cluster(tmp_path, FILES) as world:
        dry = world.sync("shop", dry_run=True)
        assert [(a.phase, a.action, a.key.kind) for a in dry.actions] == [
            ("PreSync", ActionKind.APPLIED, "Namespace"),
            ("PreSync", ActionKind.HOOK, "Job"),
            ("Sync", ActionKind.APPLIED, "ConfigMap"),
            ("PostSync", ActionKind.HOOK, "Job"),
            ("SyncFail", ActionKind.HOOK, "Job"),
        ]
        assert dry.actions[1].key.name.startswith("migrate-")
        assert "delete policy HookSucceeded" in dry.actions[1].reason

        result = world.sync("shop")
        assert result.done, result
        ran = [(a.phase, a.action, a.key.name) for a in result.actions]
        assert ran[1][:2] == ("PreSync", ActionKind.HOOK)
        assert ran[2:] == [
            ("Sync", ActionKind.APPLIED, "settings"),
            ("PostSync", ActionKind.HOOK, "smoke"),
        ]  # the SyncFail hook did not run: nothing failed
        assert "deleted (HookSucceeded)" in result.actions[1].reason
        assert jobs(world, "shop") == ["smoke"]  # migrate deleted, smoke kept
        smoke = world.get("job", "smoke", "-n", "shop")
        assert smoke["metadata"]["labels"]["app.kubernetes.io/instance"] == "shop"

        report = world.audit("shop")
        # The hooks are not resources of the comparison: not Missing, and the PostSync
        # Job left live (tracked by its label) is not Extra.
        assert report.sync == SyncStatus.SYNCED
        assert [d.key.kind for d in report.resources] == ["ConfigMap"]

        again = world.sync("shop", prune=True)
        assert again.done and not any(a.action == ActionKind.PRUNED for a in again.actions)
        recreated = world.get("job", "smoke", "-n", "shop")
        assert recreated["metadata"]["uid"] != smoke["metadata"]["uid"]  # BeforeHookCreation


def test_a_failed_presync_hook_stops_the_sync_and_runs_syncfail(tmp_path: Path) -> None:
    with one_cluster(tmp_path, FILES) as world:
        result = world.sync("broken")
        assert not result.done
        by_name = {a.key.name: a for a in result.actions}
        failed = by_name["migrate"]
        assert failed.action == ActionKind.FAILED and failed.phase == "PreSync"
        assert "backoff limit" in failed.reason and "deleted (HookFailed)" in failed.reason
        assert by_name["settings"].action == ActionKind.SKIPPED
        assert "not run: PreSync wave 0 failed" in by_name["settings"].reason
        assert by_name["page"].action == ActionKind.HOOK and by_name["page"].phase == "SyncFail"
        assert jobs(world, "broken") == ["page"]
        assert world.run("get", "configmap", "settings", "-n", "broken", check=False) == ""


ODD = {
    **FILES,
    "shop/notify.yaml": job("""  generateName: notify-
          annotations:
            argocd.argoproj.io/hook: PostSync
            note: 'say "done" \\\\ then ''quit'''"""),
}


def test_the_builtin_policies_read_hook_jobs_and_odd_strings_in_an_audit(
    tmp_path: Path,
) -> None:
    with one_cluster(tmp_path, ODD, config=Config()) as world:  # the built-in library
        assert world.sync("shop").done
        report = world.audit("shop")
        assert report.sync == SyncStatus.SYNCED and report.error is None
        hooks = [v for v in report.violations if v.resource and v.resource.kind == "Job"]
        assert hooks, report.violations  # the hook Jobs were policy input, read intact
        assert all(v.policy and v.message for v in report.violations)
        assert not any("invalid JSON" in v.message for v in report.violations)


def test_no_policies_at_all_means_no_violations_in_an_audit(tmp_path: Path) -> None:
    config = Config(policy=PolicyConfig(builtin=False))
    with one_cluster(tmp_path, FILES, config=config) as world:
        assert world.sync("shop").done
        report = world.audit("shop")
        assert report.sync == SyncStatus.SYNCED and report.violations == ()


DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "nginx:1.27"}]}
    """
SLOW = {
    "apps/slow.yaml": application("slow"),
    "slow/deployment.yaml": DEPLOYMENT,
    "slow/smoke.yaml": job("""  name: smoke
          annotations: {argocd.argoproj.io/hook: PostSync}"""),
}
ROLLED_OUT = {"status": {
    "observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
    "availableReplicas": 1,
    "conditions": [
        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
    ],
}}  # fmt: skip
COMPLETE = {"status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}


def test_post_sync_hooks_wait_until_the_waves_are_healthy(tmp_path: Path) -> None:
    """No controllers: the Deployment stays Progressing until the test rolls it out."""
    with one_cluster(tmp_path, SLOW, controllers=False) as world:
        seen: list[tuple[bool, list[str]]] = []

        def slow_rollout(_seconds: float) -> None:
            rolled = bool(world.get("deployment", "web", "-n", "slow").get("status"))
            seen.append((rolled, jobs(world, "slow")))
            if not rolled and len(seen) >= 3:  # the rollout finishes after a few polls
                world.run("patch", "deployment", "web", "-n", "slow", "--subresource=status",
                          "--type=merge", "-p", json.dumps(ROLLED_OUT))  # fmt: skip
            elif "smoke" in jobs(world, "slow"):
                world.run("patch", "job", "smoke", "-n", "slow", "--subresource=status",
                          "--type=merge", "-p", json.dumps(COMPLETE))  # fmt: skip

        result = world.sync("slow", sleep=slow_rollout)
        assert result.done, result
        waiting = [js for rolled, js in seen if not rolled]
        assert len(waiting) >= 3 and all(js == [] for js in waiting)  # no PostSync yet
        ran = [(a.phase, a.action, a.key.name) for a in result.actions]
        assert ran[-1] == ("PostSync", ActionKind.HOOK, "smoke")
