"""Pure merge logic: strategic merge patch directives, JSON merge/JSON patch, SSA merge,
field sets in the `fieldsV1` format, conflicts and pruning."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from auditor.kubemeta.fieldpath import FieldSet, path_string
from auditor.kubemeta.fieldwalk import compare, to_field_set
from auditor.kubemeta.managed import APPLY, ManagerEntry, decode, encode, strip_meta
from auditor.kubemeta.schema import Node
from auditor.kubesim.patches import PatchError, json_patch, merge_patch
from auditor.kubesim.resources import builtin_types
from auditor.kubesim.ssa import ApplyConflict, apply, merge, record_update
from auditor.kubesim.strategic import strategic_merge_patch
from tests.helpers import ARGOCD_DIFF


def root(kind: str) -> Node:
    return next(r for r in builtin_types() if r.kind == kind).root()


def pod_spec(*containers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": list(containers), **extra}}}}


def test_smp_merges_containers_by_name_and_env_by_name() -> None:
    live = pod_spec(
        {"name": "a", "image": "x:1", "env": [{"name": "A", "value": "1"}]},
        {"name": "b", "image": "y"},
    )
    patch = pod_spec({"name": "a", "image": "x:2", "env": [{"name": "B", "value": "2"}]})
    out = strategic_merge_patch(live, patch, root("Deployment"))
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["a", "b"]
    assert containers[0]["image"] == "x:2"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


def test_smp_directives() -> None:
    node = root("Deployment")
    live = pod_spec(
        {"name": "a", "image": "x", "args": ["1", "2", "3"]}, {"name": "b", "image": "y"}
    )
    delete = pod_spec({"name": "b", "$patch": "delete"})
    assert [
        c["name"]
        for c in strategic_merge_patch(live, delete, node)["spec"]["template"]["spec"]["containers"]
    ] == ["a"]
    replace = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "z", "image": "z"}, {"$patch": "replace"}]}
            }
        }
    }
    assert strategic_merge_patch(live, replace, node)["spec"]["template"]["spec"]["containers"] == [
        {"name": "z", "image": "z"}
    ]
    order = {
        "spec": {
            "template": {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}
        }
    }
    out = strategic_merge_patch(live, order, node)["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in out] == ["b", "a"]
    strategy = {"spec": {"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}}
    retain = {
        "spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None}}
    }
    assert strategic_merge_patch(strategy, retain, node)["spec"]["strategy"] == {"type": "Recreate"}
    finalizers = {"metadata": {"finalizers": ["a", "b", "c"]}}
    drop = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}
    assert strategic_merge_patch(finalizers, drop, node)["metadata"]["finalizers"] == ["a", "c"]
    whole = {"metadata": {"labels": {"x": "1"}}, "spec": {"replicas": 1}}
    assert strategic_merge_patch(
        whole, {"metadata": {"labels": {"$patch": "replace", "y": "2"}}}, node
    )["metadata"]["labels"] == {"y": "2"}
    # Lists without a merge strategy are replaced.
    args = pod_spec({"name": "a", "image": "x", "args": ["9"]})
    assert strategic_merge_patch(live, args, node)["spec"]["template"]["spec"]["containers"][0][
        "args"
    ] == ["9"]


def test_json_merge_and_json_patch() -> None:
    doc = {"a": {"b": 1, "c": 2}, "l": [1, 2]}
    assert merge_patch(doc, {"a": {"b": None, "d": 3}, "l": [3]}) == {
        "a": {"c": 2, "d": 3},
        "l": [3],
    }
    ops = [
        {"op": "add", "path": "/l/-", "value": 3},
        {"op": "replace", "path": "/a/b", "value": 9},
        {"op": "move", "from": "/a/c", "path": "/m"},
        {"op": "copy", "from": "/m", "path": "/n"},
        {"op": "remove", "path": "/l/0"},
        {"op": "test", "path": "/a/b", "value": 9},
    ]
    assert json_patch(doc, ops) == {"a": {"b": 9}, "l": [2, 3], "m": 2, "n": 2}
    assert doc == {"a": {"b": 1, "c": 2}, "l": [1, 2]}  # input untouched
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "test", "path": "/a/b", "value": 5}])
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "remove", "path": "/zz"}])


def test_apply_field_set_matches_a_real_server() -> None:
    config = yaml.safe_load((ARGOCD_DIFF / "smd-deploy-config.yaml").read_text())
    live = yaml.safe_load((ARGOCD_DIFF / "smd-deploy-live.yaml").read_text())
    expected = live["metadata"]["managedFields"][0]
    assert expected["operation"] == "Apply"
    assert strip_meta(to_field_set(config, root("Deployment"))).to_json() == expected["fieldsV1"]


def test_fields_v1_round_trip_and_paths() -> None:
    live = yaml.safe_load((ARGOCD_DIFF / "smd-deploy-live.yaml").read_text())
    for entry in live["metadata"]["managedFields"]:
        assert FieldSet.from_json(entry["fieldsV1"]).to_json() == entry["fieldsV1"]
    assert encode(decode(live["metadata"]["managedFields"])) == live["metadata"]["managedFields"]
    path = (
        "f:spec",
        "f:template",
        "f:spec",
        "f:containers",
        'k:{"name":"nginx"}',
        "f:ports",
        'k:{"containerPort":80,"protocol":"TCP"}',
    )
    assert (
        path_string(path)
        == '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]'
    )
    assert path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'


def test_compare_marks_new_maps_and_items() -> None:
    node = root("Deployment")
    old = {"metadata": {"labels": {"a": "1"}}, "spec": {"replicas": 1}}
    new = {"metadata": {"labels": {"a": "2"}, "annotations": {"n": "x"}}, "spec": {"replicas": 1}}
    cmp = compare(old, new, node)
    assert cmp.modified.to_json() == {"f:metadata": {"f:labels": {"f:a": {}}}}
    assert cmp.added.to_json() == {"f:metadata": {"f:annotations": {".": {}, "f:n": {}}}}
    assert cmp.removed.empty()


def test_update_transfers_ownership_to_the_writer() -> None:
    node = root("Deployment")
    old = {"spec": {"replicas": 1, "paused": False}}
    entries = [
        ManagerEntry(
            "first",
            "Update",
            "apps/v1",
            FieldSet.from_json({"f:spec": {"f:replicas": {}, "f:paused": {}}}),
        )
    ]
    new = {"spec": {"replicas": 3, "paused": False}}
    out = {
        e.manager: e.fields.to_json()
        for e in record_update(
            old, new, node=node, entries=entries, manager="second", api_version="apps/v1", now="t"
        )
    }
    assert out == {"first": {"f:spec": {"f:paused": {}}}, "second": {"f:spec": {"f:replicas": {}}}}


def _deploy(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": spec}


def test_ssa_conflicts_force_and_shared_ownership() -> None:
    node = root("Deployment")
    live = _deploy(replicas=2)
    entries = [
        ManagerEntry(
            "kubectl-client-side-apply",
            "Update",
            "apps/v1",
            FieldSet.from_json({"f:spec": {"f:replicas": {}}}),
        )
    ]
    same, shared = apply(
        live,
        _deploy(replicas=2),
        node=node,
        entries=entries,
        manager="ssa",
        api_version="apps/v1",
        force=False,
        now="t",
    )
    assert same == live and {e.manager for e in shared} == {"kubectl-client-side-apply", "ssa"}
    with pytest.raises(ApplyConflict) as exc:
        apply(
            live,
            _deploy(replicas=3),
            node=node,
            entries=entries,
            manager="ssa",
            api_version="apps/v1",
            force=False,
            now="t",
        )
    assert exc.value.message() == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" '
        "using apps/v1: .spec.replicas"
    )
    assert exc.value.causes()[0]["field"] == ".spec.replicas"
    forced, owners = apply(
        live,
        _deploy(replicas=3),
        node=node,
        entries=entries,
        manager="ssa",
        api_version="apps/v1",
        force=True,
        now="t",
    )
    assert forced["spec"]["replicas"] == 3
    assert [(e.manager, e.operation) for e in owners] == [("ssa", APPLY)]


def test_ssa_merges_map_lists_and_sets_and_prunes() -> None:
    node = root("Deployment")
    live = _deploy(
        template={
            "spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}
        }
    )
    config = _deploy(
        template={
            "spec": {"containers": [{"name": "b", "image": "3"}, {"name": "c", "image": "4"}]}
        }
    )
    merged = merge(live, config, node)
    assert [(c["name"], c["image"]) for c in merged["spec"]["template"]["spec"]["containers"]] == [
        ("a", "1"),
        ("b", "3"),
        ("c", "4"),
    ]
    first, entries = apply(
        {},
        _deploy(replicas=2, paused=True),
        node=node,
        entries=[],
        manager="m",
        api_version="apps/v1",
        force=False,
        now="t",
    )
    second, entries = apply(
        first,
        _deploy(replicas=2),
        node=node,
        entries=entries,
        manager="m",
        api_version="apps/v1",
        force=False,
        now="t",
    )
    assert "paused" not in second["spec"]
    assert entries[0].fields.to_json() == {"f:spec": {"f:replicas": {}}}
    finalizers = {"metadata": {"name": "d", "finalizers": ["x", "y"]}}
    out = merge({"metadata": {"finalizers": ["y", "z"]}}, finalizers, root("ConfigMap"))
    assert out["metadata"]["finalizers"] == ["x", "y", "z"]  # a set: union, applied order first
    assert (
        json.dumps(
            to_field_set(finalizers, root("ConfigMap")).to_json()["f:metadata"]["f:finalizers"]
        )
        == '{"v:\\"x\\"": {}, "v:\\"y\\"": {}}'
    )
