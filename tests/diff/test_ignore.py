"""Argo CD ignoreDifferences: jsonPointers, jqPathExpressions, managedFieldsManagers, matching."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.diff import DiffOptions, diff_resource
from auditor.diff.ignore import matching_rules
from auditor.model import ResourceKey, ResourceStatus


def deploy(image: str, replicas: int, *, sidecar: str = "s:1") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "prod"},
        "spec": {
            "replicas": replicas,
            "template": {
                "spec": {
                    "containers": [
                        {"name": "side", "image": sidecar},
                        {"name": "web", "image": image},
                    ]
                }
            },
        },
    }


DESIRED = deploy("api:1", 3)
LIVE = deploy("api:2", 5)
LIVE["spec"]["template"]["spec"]["containers"].reverse()  # positions differ from Git's


def changes(*rules: dict[str, Any], live: dict[str, Any] = LIVE) -> set[str]:
    options = DiffOptions(ignore_differences=tuple(rules))
    return {c.path for c in diff_resource(DESIRED, live, options=options).changes}


WEB_IMAGE = "spec.template.spec.containers[name=web].image"


def test_without_rules_both_fields_drift() -> None:
    assert changes() == {"spec.replicas", WEB_IMAGE}


def test_json_pointers() -> None:
    rule = {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}
    assert changes(rule) == {WEB_IMAGE}
    # An index resolves on each object to the entry it names there.
    by_index = {
        "group": "apps",
        "kind": "Deployment",
        "jsonPointers": ["/spec/template/spec/containers/1/image"],
    }
    assert changes(by_index) == {"spec.replicas"}


def test_jq_path_expressions() -> None:
    expr = '.spec.template.spec.containers[] | select(.name == "web") | .image'
    rule = {"group": "apps", "kind": "Deployment", "jqPathExpressions": [expr]}
    assert changes(rule) == {"spec.replicas"}


def test_jq_errors_and_bad_pointers_do_not_crash() -> None:
    rule = {
        "group": "apps",
        "kind": "Deployment",
        "jqPathExpressions": [".spec.nothing[] | .x", ".[[["],
        "jsonPointers": ["spec/replicas", "", "/no/such/path"],
    }
    assert changes(rule) == {"spec.replicas", WEB_IMAGE}


def test_managed_fields_managers() -> None:
    live = deploy("api:2", 5)
    live["metadata"]["managedFields"] = [
        {
            "manager": "vpa-updater",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}}},
        }
    ]
    rule = {"group": "apps", "kind": "Deployment", "managedFieldsManagers": ["vpa-updater"]}
    assert changes(rule, live=live) == {WEB_IMAGE}


def test_ignored_fields_are_not_unmanaged() -> None:
    live = deploy("api:1", 3)
    live["metadata"]["annotations"] = {"owner": "bob"}
    live["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-annotate",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:owner": {}}}},
        }
    ]
    assert len(diff_resource(DESIRED, live).unmanaged) == 1
    rule = {"group": "apps", "kind": "Deployment", "jsonPointers": ["/metadata/annotations/owner"]}
    drift = diff_resource(DESIRED, live, options=DiffOptions(ignore_differences=(rule,)))
    assert drift.unmanaged == () and drift.status == ResourceStatus.SYNCED


KEY = ResourceKey("apps", "Deployment", "prod", "api")


@pytest.mark.parametrize(
    ("rule", "applies"),
    [
        ({"group": "apps", "kind": "Deployment"}, True),
        ({"group": "apps", "kind": "*"}, True),
        ({"group": "*", "kind": "Deploy*"}, True),
        ({"kind": "Deployment"}, False),  # no group means the core group
        ({"group": "apps", "kind": "StatefulSet"}, False),
        ({"group": "apps"}, False),  # kind is required
        ({"group": "apps", "kind": "Deployment", "name": "api"}, True),
        ({"group": "apps", "kind": "Deployment", "name": "other"}, False),
        ({"group": "apps", "kind": "Deployment", "namespace": "prod"}, True),
        ({"group": "apps", "kind": "Deployment", "namespace": "dev"}, False),
    ],
)
def test_rule_matching(rule: dict[str, Any], applies: bool) -> None:
    assert bool(matching_rules([rule], KEY)) is applies


def test_core_group_rule() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    live = {**cm, "data": {"a": "2"}}
    rule = {"group": "", "kind": "ConfigMap", "jsonPointers": ["/data"]}
    options = DiffOptions(ignore_differences=(rule,))
    assert diff_resource(cm, live, options=options).status == ResourceStatus.SYNCED
    assert diff_resource(cm, live).status == ResourceStatus.OUT_OF_SYNC
