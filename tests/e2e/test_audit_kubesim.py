"""The audit end to end, over HTTP against kubesim, with drift made by the real kubectl."""

from __future__ import annotations

import pytest

from auditor.demo.drift import make_drift
from auditor.demo.tour import DemoWorld
from auditor.kubesim.faults import Fault
from auditor.model import AppReport, AuditReport, ResourceStatus, SyncStatus
from auditor.pipeline.audit import app_scope, compare_app, wanted_types
from auditor.pipeline.audit import audit as audit_flow
from auditor.pipeline.sync import sync as sync_flow

pytestmark = pytest.mark.slow  # each test starts simulated clusters and syncs the repo


def audit(world: DemoWorld, *names: str) -> AuditReport:
    apps = [a for a in world.discovery.apps if not names or a.name in names]
    return audit_flow(world.pipeline, world.checkout, apps)


def app(report: AuditReport, name: str) -> AppReport:
    return next(a for a in report.apps if a.name == name)


def test_freshly_synced_apps_are_synced(world: DemoWorld) -> None:
    report = audit(world)
    assert len(report.apps) == 15
    assert {a.name: str(a.sync) for a in report.apps if a.sync != SyncStatus.SYNCED} == {}
    assert all(not d.unmanaged for a in report.apps for d in a.resources)


def test_kubectl_drift_is_reported_field_by_field(world: DemoWorld) -> None:
    make_drift(world.kubectl)
    report = audit(world)
    changes = {
        (a.name, d.key.kind, c.path): (c.desired, c.live, c.manager)
        for a in report.apps
        for d in a.resources
        for c in d.changes
    }
    assert changes == {
        ("billing", "Deployment", "spec.replicas"): (2, 4, "kubectl"),
        (
            "my-api-production",
            "Deployment",
            "spec.template.spec.containers[name=my-api].image",
        ): ("myregistry.com/my-api:v1.4.2", "myregistry.com/my-api:v1.4.3-hotfix", "kubectl-set"),
        (
            "another-service-dev",
            "Deployment",
            "spec.template.spec.containers[name=worker].env[name=WORKER_CONCURRENCY].value",
        ): ("4", "16", "kubectl-edit"),
    }
    unmanaged = {
        (a.name, u.path): (u.live, u.manager)
        for a in report.apps
        for d in a.resources
        for u in d.unmanaged
    }
    assert unmanaged == {
        ("my-api-staging", "metadata.labels.owner"): ("alice", "kubectl-label"),
        (
            "another-service-dev",
            "spec.template.spec.containers[name=worker].env[name=DEBUG]",
        ): ({"name": "DEBUG", "value": "true"}, "kubectl-edit"),
    }
    dev = app(report, "my-api-dev")
    statuses = {(d.key.kind, d.key.name): d.status for d in dev.resources}
    assert statuses[("Service", "my-api")] == ResourceStatus.MISSING
    assert statuses[("ConfigMap", "debug-dump")] == ResourceStatus.EXTRA
    extra = next(d for d in dev.resources if d.key.name == "debug-dump")
    assert extra.requires_pruning
    # Unmanaged changes alone do not make an app OutOfSync; drift does.
    assert app(report, "my-api-staging").sync == SyncStatus.SYNCED
    assert app(report, "billing").sync == SyncStatus.OUT_OF_SYNC
    assert all(c.time for a in report.apps for d in a.resources for c in d.changes)


def test_hpa_owned_replicas_are_not_drift(world: DemoWorld) -> None:
    world.kubectl(
        "patch", "deployment", "my-api", "-n", "production", "--subresource=scale",
        "--type=merge", "-p", '{"spec":{"replicas":9}}',
        "--field-manager=kube-controller-manager", context="production",
    )  # fmt: skip
    assert app(audit(world, "my-api-production"), "my-api-production").sync == SyncStatus.SYNCED
    world.kubectl("scale", "deployment", "my-api", "-n", "production", "--replicas=3",
                  context="production")  # fmt: skip
    drifted = app(audit(world, "my-api-production"), "my-api-production")
    assert [(c.path, c.live) for d in drifted.resources for c in d.changes] == [
        ("spec.replicas", 3)
    ]


def test_secret_values_never_appear(world: DemoWorld) -> None:
    world.kubectl(
        "patch", "secret", "billing-db", "-n", "billing", "--type=merge",
        "-p", '{"stringData":{"DATABASE_URL":"postgres://root:hunter2@evil/db"}}',
        context="production",
    )  # fmt: skip
    report = audit(world, "billing")
    secret = next(d for d in app(report, "billing").resources if d.key.kind == "Secret")
    assert secret.status == ResourceStatus.OUT_OF_SYNC
    text = repr(report)
    assert "hunter2" not in text and "example-only" not in text
    assert "<secret sha256:" in secret.changes[0].live


def test_unreachable_cluster_makes_its_apps_unknown(world: DemoWorld) -> None:
    world.fleet.sims["production"].stop()
    report = audit(world)
    production = [a for a in report.apps if a.cluster == "production"]
    assert production and all(a.sync == SyncStatus.UNKNOWN for a in production)
    assert all("unreachable" in (a.error or "") for a in production)
    assert all(not a.resources for a in production)  # never Missing
    others = [a for a in report.apps if a.cluster != "production"]
    assert all(a.sync == SyncStatus.SYNCED for a in others)


def test_cluster_stopped_mid_audit_gives_unknown_never_missing(world: DemoWorld) -> None:
    sim = world.fleet.sims["production"]
    # Let discovery and the first lists through, then the server goes away.
    sim.faults.add(Fault(latency=0.2, path=r"/apis/apps/v1/deployments", times=None))
    import threading

    threading.Timer(0.1, sim.stop).start()
    report = audit(world)
    for a in report.apps:
        if a.cluster == "production":
            assert a.sync == SyncStatus.UNKNOWN, a
            assert not any(d.status == ResourceStatus.MISSING for d in a.resources)


def test_forbidden_list_names_verb_and_resource(world: DemoWorld) -> None:
    world.fleet.sims["production"].faults.add(
        Fault(status=403, path=r"^/api/v1/secrets$", times=None)
    )
    report = audit(world)
    billing = app(report, "billing")
    assert billing.sync == SyncStatus.UNKNOWN
    assert billing.error is not None and "forbidden to list secrets" in billing.error
    # An app without Secrets cannot be called Synced either: an Extra Secret of its own
    # would be invisible. Apps on the other cluster are not affected.
    production = app(report, "my-api-production")
    assert production.sync == SyncStatus.UNKNOWN and not production.resources
    assert (production.error or "").startswith("cannot check for Extra resources: ")
    assert app(report, "my-api-staging").sync == SyncStatus.SYNCED


def test_requests_grow_with_types_not_apps_or_objects(world: DemoWorld) -> None:
    first = audit(world).stats.requests["in-cluster"]
    one = audit(world, "my-api-dev").stats.requests["in-cluster"]
    everything = audit(world).stats.requests["in-cluster"]
    # Discovery (/api, /apis) and the OpenAPI v3 documents are fetched once; later rounds
    # ask for the OpenAPI index only (its hashes say the documents have not changed).
    assert first > everything
    objects = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i}", "namespace": "dev"},
        }
        for i in range(1200)
    ]
    from auditor.demo.deploy import apply_objects

    apply_objects(world.kubectl, objects, context="in-cluster")
    after = audit(world).stats.requests["in-cluster"]
    # One LIST per type, whatever the number of apps; a page more per 500 objects.
    assert everything == one
    assert after == everything + 2


@pytest.mark.parametrize("label_key", ["app.kubernetes.io/instance"])
def test_tracked_extra_without_owner_only(world: DemoWorld, label_key: str) -> None:
    world.kubectl("create", "configmap", "orphan", "-n", "staging", context="in-cluster")
    world.kubectl("label", "configmap", "orphan", "-n", "staging", f"{label_key}=my-api-staging",
                  context="in-cluster")  # fmt: skip
    staging = app(audit(world, "my-api-staging"), "my-api-staging")
    assert [(d.key.name, d.status) for d in staging.resources if d.status != "Synced"] == [
        ("orphan", ResourceStatus.EXTRA)
    ]


def test_ignore_differences_of_the_application(world: DemoWorld) -> None:
    """my-api-staging ignores /spec/replicas (argocd/apps/my-api-staging.yaml)."""
    world.kubectl("scale", "deployment", "my-api", "-n", "staging", "--replicas=6",
                  context="in-cluster")  # fmt: skip
    staging = app(audit(world, "my-api-staging"), "my-api-staging")
    assert staging.sync == SyncStatus.SYNCED
    assert all(not d.changes and not d.unmanaged for d in staging.resources)


def test_server_side_diff_mode(world: DemoWorld) -> None:
    from auditor.config import DiffConfig

    world.pipeline.config = world.pipeline.config.model_copy(
        update={"diff": DiffConfig(server_side=True)}
    )
    clean = audit(world)
    assert {a.name: str(a.sync) for a in clean.apps if a.sync != SyncStatus.SYNCED} == {}
    before = world.fleet.sims["production"].faults.hits
    make_drift(world.kubectl)
    report = audit(world, "my-api-production", "billing")
    paths = {(a.name, c.path) for a in report.apps for d in a.resources for c in d.changes}
    assert ("billing", "spec.replicas") in paths
    assert ("my-api-production", "spec.template.spec.containers[name=my-api].image") in paths
    # A refused dry run makes the app Unknown, never Synced by default.
    world.fleet.sims["production"].faults.add(Fault(status=500, methods=frozenset({"PATCH"})))
    refused = app(audit(world, "billing"), "billing")
    assert refused.sync == SyncStatus.UNKNOWN and "server-side diff" in (refused.error or "")
    assert world.fleet.sims["production"].faults.hits == before + 1


def test_custom_resource_lists_follow_the_crd_schema(world: DemoWorld) -> None:
    """A CRD declaring a list-map keyed by `id` makes reordering not drift (without the
    schema the list is positional), while a real change of an entry is."""
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "pipelines.ci.example.com"},
        "spec": {
            "group": "ci.example.com",
            "names": {"kind": "Pipeline", "plural": "pipelines", "singular": "pipeline"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "steps": {
                                            "type": "array",
                                            "x-kubernetes-list-type": "map",
                                            "x-kubernetes-list-map-keys": ["id"],
                                            "items": {
                                                "type": "object",
                                                "properties": {
                                                    "id": {"type": "string"},
                                                    "image": {"type": "string"},
                                                },
                                            },
                                        }
                                    },
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    from auditor.demo.deploy import apply_objects
    from auditor.model import Resource

    apply_objects(world.kubectl, [crd], context="in-cluster")
    steps = [{"id": "build", "image": "b:1"}, {"id": "test", "image": "t:1"}]
    desired = {
        "apiVersion": "ci.example.com/v1",
        "kind": "Pipeline",
        "metadata": {"name": "ci", "namespace": "dev"},
        "spec": {"steps": steps},
    }
    # Live as a sync left it (with the app's tracking label), steps in another order.
    tracked = {**desired["metadata"], "labels": {"app.kubernetes.io/instance": "my-api-dev"}}
    live = {**desired, "metadata": tracked, "spec": {"steps": list(reversed(steps))}}
    apply_objects(world.kubectl, [live], context="in-cluster")
    snapshot = world.pipeline.reader.read("in-cluster", wanted={("ci.example.com", "Pipeline")})
    target = next(a for a in world.discovery.apps if a.name == "my-api-dev")
    from auditor.model import RenderedApp

    rendered = RenderedApp(app="my-api-dev", revision="x", resources=(Resource.of(desired),))
    report, _ = compare_app(world.pipeline, target, rendered, snapshot=snapshot, tracked=[])
    assert report.sync == SyncStatus.SYNCED
    changed = {**desired, "spec": {"steps": [steps[0], {"id": "test", "image": "t:2"}]}}
    rendered = RenderedApp(app="my-api-dev", revision="x", resources=(Resource.of(changed),))
    report, _ = compare_app(world.pipeline, target, rendered, snapshot=snapshot, tracked=[])
    assert [c.path for d in report.resources for c in d.changes] == ["spec.steps[id=test].image"]


def test_the_cluster_openapi_v3_is_read_once_and_used(world: DemoWorld) -> None:
    snapshot = world.pipeline.reader.read("in-cluster", wanted={("apps", "Deployment")})
    assert snapshot.definitions is not None
    deployment = snapshot.definitions["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"][0]["kind"] == "Deployment"
    # A server without OpenAPI v3 (an older cluster): the packaged definitions are used.
    world.fleet.sims["in-cluster"].faults.add(Fault(status=404, path=r"^/openapi/v3$", times=None))
    older = world.pipeline.reader.read("in-cluster", wanted={("apps", "Deployment")})
    assert older.definitions is None and older.error is None
    assert app(audit(world, "my-api-dev"), "my-api-dev").sync == SyncStatus.SYNCED


def test_objects_git_declares_at_another_version_are_read_and_written_at_it(
    world: DemoWorld,
) -> None:
    """Git declares `ci.example.com/v1`; the cluster prefers v2. The live object is read at
    v1 for the comparison and the heal writes to the v1 path, as Argo CD does."""
    from auditor.demo.deploy import apply_objects
    from auditor.pipeline.sync import SyncRequest
    from auditor.sources.local import commit_all

    versions = [
        {"name": v, "served": True, "storage": v == "v1",
         "schema": {"openAPIV3Schema": {"type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True}}}
        for v in ("v2", "v1")  # discovery prefers v2, as a real server does
    ]  # fmt: skip
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "gates.ci.example.com"},
        "spec": {
            "group": "ci.example.com",
            "names": {"kind": "Gate", "plural": "gates", "singular": "gate"},
            "scope": "Namespaced",
            "versions": versions,
        },
    }
    apply_objects(world.kubectl, [crd], context="in-cluster")
    (world.repo / "apps/gates").mkdir()
    (world.repo / "apps/gates/gate.yaml").write_text(
        "apiVersion: ci.example.com/v1\nkind: Gate\nmetadata: {name: release}\nspec: {open: true}\n"
    )
    (world.repo / "argocd/apps/gates.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: gates}\n"
        "spec:\n  source: {repoURL: https://github.com/mycompany/k8s-deployments.git,"
        " path: apps/gates}\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: dev}\n"
    )
    commit_all(world.repo, message="gates")
    world.checkout = world.pipeline.sources.checkout(str(world.repo), "main")
    world.discovery = world.pipeline.discover(world.checkout)
    live = {"apiVersion": "ci.example.com/v1", "kind": "Gate",
            "metadata": {"name": "release", "namespace": "dev",
                         "labels": {"app.kubernetes.io/instance": "gates"}},
            "spec": {"open": False}}  # fmt: skip
    apply_objects(world.kubectl, [live], context="in-cluster")
    sim = world.fleet.sims["in-cluster"]
    sim.faults.add(Fault(path=r"^/apis/ci\.example\.com/v1/", times=None))  # counts requests
    snapshot = world.pipeline.reader.read("in-cluster", wanted=set(), versions=set())
    assert snapshot.index is not None
    assert snapshot.index.find("ci.example.com", "Gate").version == "v2"  # type: ignore[union-attr]
    report = app(audit(world, "gates"), "gates")
    (drift,) = report.resources
    assert drift.version == "v1" and [c.path for c in drift.changes] == ["spec.open"]
    assert sim.faults.hits == 1  # the extra LIST at v1
    gates = world.discovery.app("gates")
    assert gates is not None
    result = sync_flow(world.pipeline, world.checkout, gates, request=SyncRequest(manual=True))
    assert result.done, result
    assert sim.faults.hits >= 3  # the sync's LIST at v1, and its apply PATCH to the v1 path
    assert app(audit(world, "gates"), "gates").sync == SyncStatus.SYNCED


def test_a_scoped_audit_of_one_app_reads_only_its_objects_and_agrees(world: DemoWorld) -> None:
    make_drift(world.kubectl)
    # An object whose tracking label was removed is still read: Git declares it.
    world.kubectl("label", "configmap", "my-api-config", "-n", "staging",
                  "app.kubernetes.io/instance-", context="in-cluster")  # fmt: skip
    names = ["my-api-dev", "my-api-staging", "another-service-dev", "billing"]
    apps = [a for a in world.discovery.apps if a.name in names]
    full = audit_flow(world.pipeline, world.checkout, apps)
    for one in apps:
        scoped = audit_flow(world.pipeline, world.checkout, [one], scoped=True)
        assert app(scoped, one.name).resources == app(full, one.name).resources, one.name
        assert app(scoped, one.name).sync == app(full, one.name).sync
    dev = [a for a in apps if a.name == "my-api-dev"]
    extra = app(audit_flow(world.pipeline, world.checkout, dev, scoped=True), "my-api-dev")
    assert {(d.key.name, d.status) for d in extra.resources} >= {
        ("debug-dump", ResourceStatus.EXTRA),
        ("my-api", ResourceStatus.MISSING),
    }
    # Only the app's objects come back: tracked by it, or declared by it in Git.
    target = dev[0]
    rendered = world.pipeline.render(target, world.checkout)
    kinds, versions = wanted_types(rendered.resources)
    scope = app_scope([target], {target.name: rendered}, world.pipeline)
    snapshot = world.pipeline.reader.read(
        "in-cluster", wanted=kinds, versions=versions, scope=scope
    )
    declared = {r.key for r in rendered.resources}
    label = world.pipeline.config.tracking.instance_label_key
    for key, obj in snapshot.objects.items():
        labels = (obj.get("metadata") or {}).get("labels") or {}
        assert labels.get(label) == target.name or key in declared, key
    assert snapshot.objects and not snapshot.failed
