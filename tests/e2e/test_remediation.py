"""Remediation end to end over HTTP against kubesim: heals of kubectl drift, pruning,
dry runs, retries under injected faults, the loop guard, sync windows, Unknown apps,
and adopt PRs pushed to a bare repository and proposed on a stand-in forge."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.forge.github import GitHubForge
from auditor.forge.standin import forge_standin
from auditor.kubesim.faults import WRITES, Fault
from auditor.model import ActionKind, AppReport, SyncResult, SyncStatus
from auditor.pipeline.audit import audit as audit_flow
from auditor.pipeline.sync import SyncRequest
from auditor.pipeline.sync import adopt as adopt_flow
from auditor.pipeline.sync import sync as sync_flow
from auditor.store import SqlStore

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo

WEDNESDAY = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
FRIDAY_NIGHT = datetime(2024, 6, 7, 23, 0, tzinfo=UTC)


def sync(world: DemoWorld, name: str, **kw: Any) -> SyncResult:
    sleeps: list[float] = kw.pop("sleeps", [])
    store = kw.pop("store", None)
    request = SyncRequest(now=kw.pop("now", WEDNESDAY), **kw)
    app = world.discovery.apps[[a.name for a in world.discovery.apps].index(name)]
    return sync_flow(
        world.pipeline,
        world.checkout,
        app,
        request=request,
        projects=world.discovery.projects,
        store=store,
        sleep=sleeps.append,
    )


def audit(world: DemoWorld, *names: str) -> dict[str, AppReport]:
    apps = [a for a in world.discovery.apps if not names or a.name in names]
    return {a.name: a for a in audit_flow(world.pipeline, world.checkout, apps).apps}


def get(world: DemoWorld, context: str, *args: str) -> dict[str, Any]:
    out = world.kubectl("get", *args, "-o", "json", "--show-managed-fields", context=context).stdout
    return dict(json.loads(out))


def actions(result: SyncResult) -> list[tuple[str, str, str]]:
    return [(str(a.action), a.key.kind, a.key.name) for a in result.actions]


def test_kubectl_drift_is_healed_and_the_next_audit_is_synced(world: DemoWorld) -> None:
    make_drift(world.kubectl)
    for name in ("billing", "my-api-production", "another-service-dev"):
        result = sync(world, name)
        assert result.done and result.sync == SyncStatus.SYNCED, result
        assert [a.action for a in result.actions] == [ActionKind.APPLIED]
    kept = sync(world, "my-api-dev")  # prune not enabled: the Extra ConfigMap stays
    assert ("skipped", "ConfigMap", "debug-dump") in actions(kept)
    assert ("applied", "Service", "my-api") in actions(kept)
    assert kept.sync == SyncStatus.OUT_OF_SYNC and not kept.done
    pruned = sync(world, "my-api-dev", prune=True)
    assert actions(pruned) == [("pruned", "ConfigMap", "debug-dump")] and pruned.done
    report = audit(world)
    assert {n: str(a.sync) for n, a in report.items() if a.sync != SyncStatus.SYNCED} == {}
    billing = get(world, "production", "deployment", "billing", "-n", "billing")
    assert billing["spec"]["replicas"] == 2
    assert "gitops-auditor" in {m["manager"] for m in billing["metadata"]["managedFields"]}
    api = get(world, "production", "deployment", "my-api", "-n", "production")
    assert api["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.4.2")
    assert api["spec"]["replicas"] == 7  # the HPA controller's value is not fought
    worker = get(world, "in-cluster", "deployment", "dev-another-service", "-n", "dev")
    env = {
        e["name"]: e["value"] for e in worker["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["WORKER_CONCURRENCY"] == "4" and env["DEBUG"] == "true"  # unmanaged stays


def test_dry_run_writes_nothing_then_heal_keeps_ignored_replicas(world: DemoWorld) -> None:
    ctx = "in-cluster"
    world.kubectl("scale", "deployment", "my-api", "-n", "staging", "--replicas=6", context=ctx)
    world.kubectl("set", "image", "deployment/my-api", "my-api=myregistry.com/my-api:evil",
                  "-n", "staging", context=ctx)  # fmt: skip
    before = get(world, ctx, "deployment", "my-api", "-n", "staging")
    dry = sync(world, "my-api-staging", dry_run=True)
    assert dry.dry_run and dry.done and dry.sync == SyncStatus.OUT_OF_SYNC
    [planned] = dry.actions
    assert planned.action == ActionKind.APPLIED
    assert [(c.path, c.live) for c in planned.changes] == [
        ("spec.template.spec.containers[name=my-api].image", "myregistry.com/my-api:evil")
    ]
    after_dry = get(world, ctx, "deployment", "my-api", "-n", "staging")
    assert after_dry["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    healed = sync(world, "my-api-staging")
    assert healed.done and healed.sync == SyncStatus.SYNCED
    live = get(world, ctx, "deployment", "my-api", "-n", "staging")
    assert live["spec"]["replicas"] == 6  # ignoreDifferences /spec/replicas: live value kept
    assert live["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.4.3")


def test_transient_errors_are_retried_and_a_refused_object_does_not_stop_the_others(
    world: DemoWorld,
) -> None:
    ctx = "production"
    sim = world.fleet.sims[ctx]
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4", context=ctx)
    sim.faults.add(Fault(status=503, methods=WRITES, times=2))
    sleeps: list[float] = []
    result = sync(world, "billing", sleeps=sleeps)
    assert result.done and [a.attempts for a in result.actions] == [3]
    assert sleeps == [5.0, 10.0]  # the default backoff, through the injected sleep
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=5", context=ctx)
    world.kubectl("label", "service", "billing", "-n", "billing", "app.kubernetes.io/instance-",
                  context=ctx)  # fmt: skip
    world.kubectl("patch", "service", "billing", "-n", "billing", "--type=merge",
                  "-p", '{"spec":{"selector":{"app":"other"}}}', context=ctx)  # fmt: skip
    sim.faults.add(Fault(status=422, methods=WRITES, path=r"/services/billing", times=None))
    result = sync(world, "billing", sleeps=sleeps)
    by_kind = {a.key.kind: a for a in result.actions}
    assert by_kind["Deployment"].action == ActionKind.APPLIED
    assert by_kind["Service"].action == ActionKind.FAILED
    assert "HTTP 422" in by_kind["Service"].reason and by_kind["Service"].attempts == 1
    assert result.sync == SyncStatus.OUT_OF_SYNC and not result.done
    assert get(world, ctx, "deployment", "billing", "-n", "billing")["spec"]["replicas"] == 2
    # Retries give up after the limit, with the reason.
    sim.faults.clear()
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4", context=ctx)
    sim.faults.add(Fault(status=500, methods=WRITES, times=None))
    gave_up = sync(world, "billing", sleeps=[])
    assert all(a.action == ActionKind.FAILED for a in gave_up.actions)
    assert "gave up after 2 retries" in gave_up.actions[0].reason
    # A throttled write waits at least what the server's Retry-After asks.
    sim.faults.clear()
    sim.faults.add(Fault(status=429, methods=WRITES, times=1, retry_after=12))
    sleeps = []
    throttled = sync(world, "billing", sleeps=sleeps)
    assert throttled.done and sleeps == [12.0]


def test_loop_guard_stops_healing_a_resource_a_controller_fights(
    world: DemoWorld, tmp_path: Path
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    results = []
    for i in range(4):
        world.kubectl(
            "patch", "deployment", "billing", "-n", "billing", "--type=merge",
            "-p", json.dumps({"spec": {"replicas": 5 + i}}), "--field-manager=autoscaler-9000",
            context="production",
        )  # fmt: skip
        now = WEDNESDAY + timedelta(minutes=i)
        results.append(sync(world, "billing", manual=False, store=store, now=now))
    assert [r.actions[0].action for r in results] == ["applied"] * 3 + ["skipped"]
    guarded = results[-1].actions[0]
    assert guarded.manager == "autoscaler-9000" and "autoscaler-9000" in guarded.reason
    assert "healed 3 times" in guarded.reason and not results[-1].done
    live = get(world, "production", "deployment", "billing", "-n", "billing")
    assert live["spec"]["replicas"] == 8  # left alone
    # Outside the window the guard forgets; a manual sync is never guarded.
    manual = sync(world, "billing", manual=True, store=store, now=now)
    assert manual.done and manual.actions[0].action == ActionKind.APPLIED


def test_sync_windows_block_automatic_heals_and_prune_last_runs_last(world: DemoWorld) -> None:
    ctx = "production"
    world.kubectl("set", "image", "deployment/my-api", "my-api=myregistry.com/my-api:v9",
                  "-n", "production", context=ctx)  # fmt: skip
    world.kubectl("create", "configmap", "leftover", "-n", "production", context=ctx)
    world.kubectl("label", "configmap", "leftover", "-n", "production",
                  "app.kubernetes.io/instance=my-api-production", context=ctx)  # fmt: skip
    blocked = sync(world, "my-api-production", manual=False, now=FRIDAY_NIGHT)
    assert blocked.blocked_by and "deny window '0 22 * * 5'" in blocked.blocked_by
    assert blocked.actions == () and not blocked.done
    assert get(world, ctx, "configmap", "leftover", "-n", "production")
    # manualSync: true lets a manual sync through; automated.prune + PruneLast apply.
    manual = sync(world, "my-api-production", manual=True, now=FRIDAY_NIGHT)
    assert actions(manual) == [
        ("applied", "Deployment", "my-api"),
        ("pruned", "ConfigMap", "leftover"),
    ]
    assert "Foreground, PruneLast" in manual.actions[1].reason
    assert manual.done and manual.sync == SyncStatus.SYNCED


def test_unknown_apps_are_never_healed_or_pruned(world: DemoWorld) -> None:
    world.kubectl("scale", "deployment", "billing", "-n", "billing", "--replicas=4",
                  context="production")  # fmt: skip
    world.fleet.sims["production"].stop()
    result = sync(world, "billing", prune=True)
    assert result.sync == SyncStatus.UNKNOWN and result.actions == ()
    assert result.blocked_by and "never healed or pruned" in result.blocked_by
    assert "unreachable" in result.blocked_by


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def test_adopt_pr_branch_renders_to_the_live_values(world: DemoWorld, tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    git("clone", "--bare", "-q", str(world.repo), str(bare), cwd=tmp_path)
    make_drift(world.kubectl)
    drifted = audit(world, "billing", "my-api-production", "another-service-dev")
    with forge_standin("mycompany/k8s-deployments") as fake:
        forge = GitHubForge(repo="mycompany/k8s-deployments", token="t", base_url=fake.url)
        results = {
            name: adopt_flow(
                world.pipeline,
                world.checkout,
                world.discovery.app(name),  # type: ignore[arg-type]
                remote=str(bare),
                base_branch="main",
                forge=forge,
            )
            for name in drifted
        }
        again = adopt_flow(
            world.pipeline,
            world.checkout,
            world.discovery.app("billing"),  # type: ignore[arg-type]
            remote=str(bare),
            base_branch="main",
            forge=forge,
        )
    assert fake.violations == []
    assert all(r.error is None and r.created for r in results.values())
    assert again.branch == results["billing"].branch and not again.created
    assert again.pr_number == results["billing"].pr_number
    assert len(fake.pulls["mycompany/k8s-deployments"]) == 3
    pulls = {p["number"]: p for p in fake.pulls["mycompany/k8s-deployments"]}
    body = pulls[results["billing"].pr_number]["body"]
    assert "kubectl" in body and "spec.replicas" in body
    assert results["billing"].branch.startswith("gitops-auditor/adopt-billing-")
    assert results["my-api-production"].files == (
        "apps/my-api/overlays/production/kustomization.yaml",
    )
    assert results["another-service-dev"].files == (
        "apps/another-service/overlays/dev/gitops-auditor-deployment-another-service.yaml",
        "apps/another-service/overlays/dev/kustomization.yaml",
    )
    # Each branch, audited against the clusters, has no drift left: it renders the live values.
    for name, result in results.items():
        branch = world.pipeline.sources.checkout(str(bare), result.branch)
        app = world.discovery.app(name)
        assert app is not None
        app = replace(app, source=replace(app.source, repo_url=branch.repo_url))
        [report] = audit_flow(world.pipeline, branch, [app]).apps
        assert report.sync == SyncStatus.SYNCED, (name, report.resources)
    work = tmp_path / "work"
    git("clone", "-q", "-b", results["billing"].branch, str(bare), str(work), cwd=tmp_path)
    text = (work / "apps/billing/deployment.yaml").read_text()
    assert text.startswith("# Billing API: plain manifests, no Kustomize.")
    assert "image: myregistry.com/billing:3.0.1 # pinned by release" in text
    assert "  replicas: 4\n" in text
    original = (world.repo / "apps/billing/deployment.yaml").read_text()
    assert len(text.splitlines()) == len(original.splitlines())
    kustomization = git("show", f"{results['my-api-production'].branch}:"
                        "apps/my-api/overlays/production/kustomization.yaml", cwd=bare)  # fmt: skip
    assert "newTag: v1.4.3-hotfix" in kustomization and "v1.4.2" not in kustomization


def test_demo_heals_two_apps_and_proposes_a_pr(world: DemoWorld) -> None:
    from auditor.demo.remediation import heal_demo, pr_demo

    make_drift(world.kubectl)
    healed = heal_demo(world)
    assert healed.after == {"billing": SyncStatus.SYNCED, "my-api-production": SyncStatus.SYNCED}
    assert all(r.done for r in healed.results)
    pr = pr_demo(world)
    assert pr.branch.startswith("gitops-auditor/adopt-another-service-dev-")
    assert "/mycompany/k8s-deployments/pull/1" in pr.url and "not GitHub" in pr.label
    assert pr.branch in git("branch", "--list", "gitops-auditor/*", cwd=Path(pr.remote))


def test_strict_app_heal_removes_unmanaged_fields(world: DemoWorld) -> None:
    """another-service-dev is strict: the env var added by `kubectl edit` is removed by
    the heal (not only the value Git sets), and the next audit has nothing to report."""
    from auditor.config import DiffConfig

    world.pipeline.config = world.pipeline.config.model_copy(
        update={"diff": DiffConfig(strict_apps=("another-service-dev",))}
    )
    make_drift(world.kubectl)
    before = audit(world, "another-service-dev")["another-service-dev"]
    assert before.sync == SyncStatus.OUT_OF_SYNC
    assert [u.path for d in before.resources for u in d.unmanaged] == [
        "spec.template.spec.containers[name=worker].env[name=DEBUG]"
    ]
    result = sync(world, "another-service-dev")
    assert result.done and result.sync == SyncStatus.SYNCED, result
    live = get(world, "in-cluster", "deployment", "dev-another-service", "-n", "dev")
    env = live["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {e["name"]: e.get("value") for e in env} == {
        "QUEUE_URL": "redis://redis.infra:6379/0",
        "WORKER_CONCURRENCY": "4",
    }
    after = audit(world, "another-service-dev")["another-service-dev"]
    assert after.sync == SyncStatus.SYNCED
    assert all(not d.unmanaged for d in after.resources)


def test_a_field_removed_from_git_is_removed_by_the_heal(world: DemoWorld) -> None:
    from auditor.sources.local import commit_all

    base = world.repo / "apps/my-api/base/configmap.yaml"
    base.write_text(base.read_text().replace('  FEATURE_FLAGS: "search,checkout"\n', ""))
    commit_all(world.repo, message="drop FEATURE_FLAGS")
    world.checkout = world.pipeline.sources.checkout(str(world.repo), "main")
    world.discovery = world.pipeline.discover(world.checkout)
    drifted = audit(world, "my-api-dev")["my-api-dev"]
    assert [(d.key.kind, c.path, c.desired) for d in drifted.resources for c in d.changes] == [
        ("ConfigMap", "data.FEATURE_FLAGS", None)
    ]
    result = sync(world, "my-api-dev")
    assert result.done and result.sync == SyncStatus.SYNCED, result
    live = get(world, "in-cluster", "configmap", "my-api-config", "-n", "dev")
    assert live["data"] == {"LOG_LEVEL": "info"}


def test_an_empty_render_never_prunes_everything(world: DemoWorld) -> None:
    """Someone empties team-search's directory by mistake: with prune enabled, the sync is
    refused as a whole (allowEmpty is false) and the live Namespace and quota stay."""
    from auditor.sources.local import commit_all

    for file in (world.repo / "teams/search/namespace").iterdir():
        file.unlink()
    (world.repo / "teams/search/namespace/README.md").write_text("moved elsewhere\n")
    commit_all(world.repo, message="empty team-search")
    world.checkout = world.pipeline.sources.checkout(str(world.repo), "main")
    world.discovery = world.pipeline.discover(world.checkout)
    report = audit(world, "team-search")["team-search"]
    assert sorted(str(d.status) for d in report.resources) == ["Extra", "Extra"]
    result = sync(world, "team-search", prune=True)
    assert not result.done and result.actions == ()
    assert result.blocked_by is not None and "allowEmpty" in result.blocked_by
    assert get(world, "in-cluster", "namespace", "team-search")["metadata"]["name"] == (
        "team-search"
    )
    get(world, "in-cluster", "resourcequota", "team-quota", "-n", "team-search")


def test_adopting_one_element_of_an_atomic_list_keeps_the_whole_list(
    world: DemoWorld, tmp_path: Path
) -> None:
    """`args` is an atomic list: a strategic-merge patch replaces it whole, so the PR
    must carry the whole live list, not the one element that changed."""
    from auditor.demo.deploy import deploy
    from auditor.sources.local import commit_all

    base = world.repo / "apps/another-service/base/deployment.yaml"
    base.write_text(
        base.read_text().replace(
            "          image: myregistry.com/another-service:2.1.0\n",
            "          image: myregistry.com/another-service:2.1.0\n"
            '          args: ["--queue", "jobs", "--verbose"]\n',
        )
    )
    commit_all(world.repo, message="worker args")
    world.checkout = world.pipeline.sources.checkout(str(world.repo), "main")
    world.discovery = world.pipeline.discover(world.checkout)
    app = world.discovery.app("another-service-dev")
    assert app is not None
    deploy(world.kubectl, app, world.pipeline.render(app, world.checkout),
           label_key="app.kubernetes.io/instance")  # fmt: skip
    world.kubectl("patch", "deployment", "dev-another-service", "-n", "dev", "--type=json", "-p",
                  '[{"op":"replace","path":"/spec/template/spec/containers/0/args/1",'
                  '"value":"urgent"}]', context="in-cluster")  # fmt: skip
    bare = tmp_path / "remote.git"
    git("clone", "--bare", "-q", str(world.repo), str(bare), cwd=tmp_path)
    result = adopt_flow(
        world.pipeline, world.checkout, app, remote=str(bare), base_branch="main", forge=None
    )
    assert result.error is None, result
    branch = world.pipeline.sources.checkout(str(bare), result.branch)
    adopted = replace(app, source=replace(app.source, repo_url=branch.repo_url))
    [report] = audit_flow(world.pipeline, branch, [adopted]).apps
    assert report.sync == SyncStatus.SYNCED, report.resources
    rendered = world.pipeline.render(adopted, branch)
    (deployment,) = [r for r in rendered.resources if r.key.kind == "Deployment"]
    args = deployment.body["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == ["--queue", "urgent", "--verbose"]


ZOMBIE = """apiVersion: v1
kind: ConfigMap
metadata:
  name: zombie
  namespace: dev
  labels: {app.kubernetes.io/instance: my-api-dev}
"""


def test_loop_guard_stops_pruning_what_something_keeps_re_creating(
    world: DemoWorld, tmp_path: Path
) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
    results = []
    for i in range(4):
        world.kubectl("apply", "--server-side", "--field-manager=operator-x", "-f", "-",
                      stdin=ZOMBIE, context="in-cluster")  # fmt: skip
        now = WEDNESDAY + timedelta(minutes=i)
        results.append(sync(world, "my-api-dev", manual=False, prune=True, store=store, now=now))
    verbs = [next(str(a.action) for a in r.actions if a.key.name == "zombie") for r in results]
    assert verbs == ["pruned", "pruned", "pruned", "skipped"]
    guarded = next(a for a in results[-1].actions if a.key.name == "zombie")
    assert "operator-x" in guarded.reason and "healed 3 times" in guarded.reason
    assert get(world, "in-cluster", "configmap", "zombie", "-n", "dev")["metadata"]["name"]
