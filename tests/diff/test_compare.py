"""The desired/live comparison: list semantics, empty values, removed fields, pairing."""

from __future__ import annotations

import copy
import json
from typing import Any

from auditor.diff import DiffOptions, diff_app, diff_resource
from auditor.model import Resource, ResourceKey, ResourceStatus

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def deployment(**spec: Any) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": spec.pop("containers", [{"name": "web", "image": "a"}])}
    pod.update(spec.pop("pod", {}))
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "ns"},
        "spec": {"template": {"spec": pod}, **spec},
    }


def paths(desired: Any, live: Any, **kw: Any) -> dict[str, tuple[Any, Any]]:
    return {c.path: (c.desired, c.live) for c in diff_resource(desired, live, **kw).changes}


def test_changed_scalar_is_drift() -> None:
    d, live = deployment(replicas=3), deployment(replicas=5)
    assert paths(d, live) == {"spec.replicas": (3, 5)}


def test_fields_git_does_not_set_are_not_drift() -> None:
    live = deployment(replicas=5, progressDeadlineSeconds=600)
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    assert diff_resource(deployment(), live).status == ResourceStatus.SYNCED


def test_quantities_in_canonical_forms_are_equal() -> None:
    def with_resources(cpu: Any, mem: Any) -> dict[str, Any]:
        res = {"limits": {"cpu": cpu, "memory": mem}, "requests": {"cpu": "0"}}
        return deployment(containers=[{"name": "web", "resources": res}])

    assert paths(with_resources("500m", "1Gi"), with_resources(0.5, "1024Mi")) == {}
    live = with_resources("0.5", "1Gi")
    live["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "0m"
    assert paths(with_resources("500m", "1Gi"), live) == {}
    assert paths(with_resources("1", "1Gi"), with_resources("2", "1G")) == {
        "spec.template.spec.containers[name=web].resources.limits.cpu": ("1", "2"),
        "spec.template.spec.containers[name=web].resources.limits.memory": ("1Gi", "1G"),
    }


def test_int_or_string_ports() -> None:
    def svc(target: Any) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": target}]},
        }

    assert paths(svc(8080), svc("8080")) == {}
    assert paths(svc("http"), svc(8080)) == {
        "spec.ports[port=80,protocol=TCP].targetPort": ("http", 8080)
    }


def test_empty_and_absent_are_equal() -> None:
    d = deployment(pod={"volumes": [], "nodeSelector": {}, "hostname": ""})
    assert paths(d, deployment()) == {}
    live = deployment(pod={"volumes": None, "nodeSelector": None})
    assert paths(d, live) == {}
    assert paths(deployment(pod={"hostname": ""}), deployment(pod={"hostname": "x"})) == {
        "spec.template.spec.hostname": ("", "x")
    }


def test_merge_keyed_lists_ignore_order() -> None:
    a = {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}, {"name": "Y"}]}
    b = {"name": "b", "image": "b:1"}
    live_a = {**a, "env": list(reversed(a["env"]))}
    assert paths(deployment(containers=[a, b]), deployment(containers=[b, live_a])) == {}


def test_missing_and_changed_list_entries() -> None:
    d = deployment(containers=[{"name": "web", "image": "a:2"}, {"name": "side", "image": "s"}])
    live = deployment(containers=[{"name": "web", "image": "a:1"}])
    assert paths(d, live) == {
        "spec.template.spec.containers[name=web].image": ("a:2", "a:1"),
        "spec.template.spec.containers[name=side]": ({"name": "side", "image": "s"}, None),
    }


def test_composite_keys_with_defaulted_protocol() -> None:
    d = deployment(containers=[{"name": "web", "ports": [{"containerPort": 53, "name": "dns"}]}])
    live_ports = [
        {"containerPort": 53, "protocol": "UDP", "name": "dns-udp"},
        {"containerPort": 53, "protocol": "TCP", "name": "dns"},
    ]
    live = deployment(containers=[{"name": "web", "ports": live_ports}])
    assert paths(d, live) == {}
    d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = "x"
    assert paths(d, live) == {
        "spec.template.spec.containers[name=web].ports[containerPort=53,protocol=TCP].name": (
            "x",
            "dns",
        )
    }


def test_atomic_lists_compare_by_position() -> None:
    d = deployment(containers=[{"name": "web", "args": ["a", "b"]}])
    live = deployment(containers=[{"name": "web", "args": ["b", "a"]}])
    assert paths(d, live) == {
        "spec.template.spec.containers[name=web].args[0]": ("a", "b"),
        "spec.template.spec.containers[name=web].args[1]": ("b", "a"),
    }
    shorter = deployment(containers=[{"name": "web", "args": ["a"]}])
    assert paths(d, shorter) == {
        "spec.template.spec.containers[name=web].args": (["a", "b"], ["a"])
    }


def with_last_applied(live: dict[str, Any], applied: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(live)
    out["metadata"].setdefault("annotations", {})[LAST_APPLIED] = json.dumps(applied)
    return out


def test_field_removed_from_git_but_in_last_applied_is_drift() -> None:
    old = deployment(replicas=3, minReadySeconds=10)
    live = with_last_applied(deployment(replicas=3, minReadySeconds=10, paused=False), old)
    assert paths(deployment(replicas=3), live) == {"spec.minReadySeconds": (None, 10)}


def test_removed_map_is_reported_whole() -> None:
    old = deployment(pod={"nodeSelector": {"a": "1", "b": "2"}})
    live = with_last_applied(old, old)
    assert paths(deployment(), live) == {
        "spec.template.spec.nodeSelector": (None, {"a": "1", "b": "2"})
    }


def test_removed_list_entry_via_last_applied() -> None:
    two = deployment(containers=[{"name": "web"}, {"name": "side", "image": "s"}])
    live = with_last_applied(two, two)
    assert paths(deployment(containers=[{"name": "web"}]), live) == {
        "spec.template.spec.containers[name=side]": (None, {"name": "side", "image": "s"})
    }


def apply_entry(manager: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": "apps/v1",
        "time": "2024-05-01T10:00:00Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    }


def test_field_removed_from_git_but_owned_by_our_manager_is_drift() -> None:
    live = deployment(replicas=3, minReadySeconds=10)
    owned = {"f:spec": {"f:replicas": {}, "f:minReadySeconds": {}}}
    live["metadata"]["managedFields"] = [apply_entry("argocd-controller", owned)]
    changes = diff_resource(deployment(replicas=3), live).changes
    assert [(c.path, c.desired, c.live, c.manager) for c in changes] == [
        ("spec.minReadySeconds", None, 10, "argocd-controller")
    ]
    # The same ownership by a manager that is not ours is not Git's: no drift.
    live["metadata"]["managedFields"] = [apply_entry("helm", owned)]
    assert diff_resource(deployment(replicas=3), live).changes == ()
    # Nor is an Update by our manager (that records defaults too).
    entry = apply_entry("argocd-controller", owned)
    entry["operation"] = "Update"
    live["metadata"]["managedFields"] = [entry]
    assert diff_resource(deployment(replicas=3), live).changes == ()


def test_removed_field_holding_its_default_is_not_drift() -> None:
    old = deployment(revisionHistoryLimit=10, pod={"dnsPolicy": "ClusterFirst"})
    live = with_last_applied(old, old)
    assert paths(deployment(), live) == {}


def test_custom_resource_lists_follow_the_crd_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "routes": {
                        "type": "array",
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["host"],
                        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    },
                    "hosts": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    }

    def route(**spec: Any) -> dict[str, Any]:
        return {"apiVersion": "x.io/v1", "kind": "Route", "metadata": {"name": "r"}, "spec": spec}

    a, b = {"host": "a", "to": "1"}, {"host": "b", "to": "2"}
    options = DiffOptions(crd_schemas={("x.io", "Route"): schema})
    assert paths(route(routes=[a, b]), route(routes=[b, a]), options=options) == {}
    # `hosts` has no list type: atomic, so order matters even with a `name` field.
    h1, h2 = {"name": "x"}, {"name": "y"}
    assert paths(route(hosts=[h1, h2]), route(hosts=[h2, h1]), options=options) != {}
    # Without the schema, objects with a `name` are matched by name.
    assert paths(route(hosts=[h1, h2]), route(hosts=[h2, h1])) == {}


def test_unknown_kind_lists_without_names_are_positional() -> None:
    def foo(items: list[Any]) -> dict[str, Any]:
        return {"apiVersion": "foo.io/v1", "kind": "Foo", "metadata": {"name": "f"}, "items": items}

    assert paths(foo([{"a": 1}, {"a": 2}]), foo([{"a": 2}, {"a": 1}])) == {
        "items[0].a": (1, 2),
        "items[1].a": (2, 1),
    }
    assert paths(foo([{"name": "x", "v": 1}]), foo([{"name": "x", "v": 2}])) == {
        "items[name=x].v": (1, 2)
    }


def test_missing_and_extra_resources() -> None:
    missing = diff_resource(deployment(), None)
    assert missing.status == ResourceStatus.MISSING and not missing.requires_pruning
    assert "+kind: Deployment" in missing.diff
    extra = diff_resource(None, deployment())
    assert extra.status == ResourceStatus.EXTRA and extra.requires_pruning
    assert "-kind: Deployment" in extra.diff


def test_diff_text_shows_live_against_the_synced_object() -> None:
    drift = diff_resource(deployment(replicas=3), deployment(replicas=5))
    assert drift.diff.startswith("--- live\n+++ desired\n")
    assert "-  replicas: 5\n+  replicas: 3\n" in drift.diff
    assert diff_resource(deployment(), deployment()).diff == ""


def test_diff_app_pairs_by_key_and_sorts() -> None:
    foo_desired = {
        "apiVersion": "foo.io/v1",
        "kind": "Foo",
        "metadata": {"name": "f", "namespace": "ns"},
        "spec": {"a": 1},
    }
    foo_live = {
        "apiVersion": "foo.io/v1",
        "kind": "Foo",
        "metadata": {"name": "f"},
        "spec": {"a": 1},
    }
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}}
    changed = deployment(replicas=1)
    desired = [Resource.of(deployment(replicas=2)), Resource.of(foo_desired), Resource.of(cm)]
    orphan = {**cm, "metadata": {"name": "old", "namespace": "ns"}}
    result = diff_app(desired, [foo_live, changed, orphan])
    assert [(r.key, r.status) for r in result] == [
        (ResourceKey("", "ConfigMap", "ns", "c"), ResourceStatus.MISSING),
        (ResourceKey("", "ConfigMap", "ns", "old"), ResourceStatus.EXTRA),
        (ResourceKey("apps", "Deployment", "ns", "d"), ResourceStatus.OUT_OF_SYNC),
        # Cluster-scoped live object paired with a desired one naming a namespace.
        (ResourceKey("foo.io", "Foo", "", "f"), ResourceStatus.SYNCED),
    ]
    assert result[2].version == "v1"


def test_diff_app_uses_predicted_objects_by_key() -> None:
    d = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    live = copy.deepcopy(d)
    predicted = copy.deepcopy(d)
    predicted["data"]["a"] = "2"
    predicted["metadata"]["managedFields"] = [
        {**apply_entry("argocd-controller", {"f:data": {"f:a": {}}}), "apiVersion": "v1"}
    ]
    (plain,) = diff_app([Resource.of(d)], [live])
    assert plain.status == ResourceStatus.SYNCED
    (ssd,) = diff_app([Resource.of(d)], [live], predicted={ResourceKey.of(d): predicted})
    assert [(c.path, c.desired, c.live) for c in ssd.changes] == [("data.a", "2", "1")]
