"""Normalization and the leaf-equality rules: metadata, status, quantities, int-or-string."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from auditor.diff.normalize import last_applied, normalize, plain
from auditor.diff.paths import Field, Index, Key, key_of, render
from auditor.diff.quantity import has_unit, parse_quantity
from auditor.diff.schema import definition_for, root_node
from auditor.diff.values import scalars_equal
from auditor.kubemeta.schema import Node

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _node(*path: str) -> Node | None:
    node: Node | None = root_node({"apiVersion": "apps/v1", "kind": "Deployment"}, {})
    for name in path:
        assert node is not None
        node = node.element() if name == "[]" else node.field(name)
    return node


def test_server_metadata_status_and_last_applied_are_dropped() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "c",
            "uid": "u",
            "resourceVersion": "1",
            "generation": 2,
            "creationTimestamp": "2020-01-01T00:00:00Z",
            "managedFields": [{}],
            "selfLink": "/x",
            "deletionGracePeriodSeconds": 30,
            "annotations": {LAST_APPLIED: "{}", "keep": "me"},
        },
        "status": {"phase": "Active"},
        "data": {"a": "1"},
    }
    out = normalize(obj)
    assert out == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "annotations": {"keep": "me"}},
        "data": {"a": "1"},
    }
    assert "status" in obj  # the input is untouched


def test_null_creation_timestamps_in_templates_are_dropped() -> None:
    obj = {"spec": {"template": {"metadata": {"creationTimestamp": None, "labels": {"a": "b"}}}}}
    assert normalize(obj) == {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}


def test_plain_turns_yaml_timestamps_into_rfc3339_text() -> None:
    stamp = dt.datetime(2018, 11, 19, 11, 30, 40, tzinfo=dt.UTC)
    assert plain({"t": stamp, "d": dt.date(2020, 1, 2), "l": (1, 2)}) == {
        "t": "2018-11-19T11:30:40Z",
        "d": "2020-01-02",
        "l": [1, 2],
    }


def test_last_applied_is_parsed_and_tolerates_garbage() -> None:
    good = {"metadata": {"annotations": {LAST_APPLIED: '{"spec": {"replicas": 2}}'}}}
    assert last_applied(good) == {"spec": {"replicas": 2}}
    assert last_applied({"metadata": {"annotations": {LAST_APPLIED: "{not json"}}}) is None
    assert last_applied({"metadata": {}}) is None


def test_string_data_is_folded_into_base64_data() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "bar", "n": 1234}}
    assert normalize(secret)["data"] == {"a": "YmFy", "n": "MTIzNA=="}
    assert "stringData" not in normalize(secret)


def test_endpoints_subsets_are_put_in_canonical_order() -> None:
    a = {"ip": "10.0.0.2"}
    b = {"ip": "10.0.0.1"}
    obj = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "subsets": [
            {"addresses": [a, b], "ports": [{"port": 80}, {"port": 53, "protocol": "UDP"}]}
        ],
    }
    subset = normalize(obj)["subsets"][0]
    assert subset["addresses"] == [b, a]
    assert subset["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 80, "protocol": "TCP"}]


def test_aggregated_cluster_role_rules_are_the_controllers() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
        "rules": [{"verbs": ["get"]}],
    }
    assert "rules" not in normalize(role)
    plain_role = {k: v for k, v in role.items() if k != "aggregationRule"}
    assert "rules" in normalize(plain_role)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("0.5", Decimal("0.5")),
        ("1Gi", Decimal(1024**3)),
        ("1024Mi", Decimal(1024**3)),
        ("2k", Decimal(2000)),
        ("1e3", Decimal(1000)),
        ("0", Decimal(0)),
        (3, Decimal(3)),
        ("1.5G", Decimal("1.5e9")),
    ],
)
def test_quantities_parse_exactly(text: object, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Gb", "25%", True, None, "1 Gi"])
def test_non_quantities_do_not_parse(text: object) -> None:
    assert parse_quantity(text) is None


def test_has_unit() -> None:
    assert has_unit("1Gi") and has_unit("500m")
    assert not has_unit("1") and not has_unit(5)


def test_quantity_equality_follows_the_schema() -> None:
    cpu = _node("spec", "template", "spec", "containers", "[]", "resources", "limits", "cpu")
    assert scalars_equal("500m", "0.5", node=cpu)
    assert scalars_equal("1Gi", "1024Mi", node=cpu)
    assert scalars_equal("0", "0m", node=cpu)
    assert scalars_equal(1, "1", node=cpu)
    assert not scalars_equal("1Gi", "1G", node=cpu)
    image = _node("spec", "template", "spec", "containers", "[]", "image")
    assert not scalars_equal("500m", "0.5", node=image)


def test_unknown_schema_compares_quantities_only_with_units() -> None:
    assert scalars_equal("1Gi", "1024Mi", node=None)
    assert not scalars_equal("0.5", "500m", node=None)
    assert not scalars_equal("10", "10.0", node=None)


def test_int_or_string_only_where_the_schema_says_so() -> None:
    port = _node("spec", "template", "spec", "containers", "[]", "livenessProbe", "httpGet", "port")
    assert scalars_equal(8080, "8080", node=port)
    assert not scalars_equal(8080, "8081", node=port)
    replicas = _node("spec", "replicas")
    assert not scalars_equal(2, "2", node=replicas)
    assert scalars_equal(2, 2.0, node=replicas)
    assert not scalars_equal(True, 1, node=replicas)


def test_empty_values_equal_absent() -> None:
    for a in ("", None, [], {}):
        for b in ("", None, [], {}):
            assert scalars_equal(a, b, node=None)
    assert not scalars_equal("", "x", node=None)
    assert not scalars_equal(0, None, node=None)


def test_gvk_lookup_falls_back_to_another_version() -> None:
    assert definition_for("apps/v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert definition_for("apps/v1beta1", "StatefulSet") == "io.k8s.api.apps.v1.StatefulSet"
    assert definition_for("foo.io/v1", "Foo") is None


def test_paths_render_with_selectors_and_quoting() -> None:
    port = key_of({"containerPort": 8080}, ["containerPort", "protocol"])
    path = (
        Field("spec"),
        Field("containers"),
        key_of({"name": "web"}, ["name"]),
        Field("ports"),
        port,
    )
    assert render(path) == "spec.containers[name=web].ports[containerPort=8080,protocol=TCP]"
    labels = (Field("metadata"), Field("labels"), Field("app.kubernetes.io/name"))
    assert render(labels) == 'metadata.labels["app.kubernetes.io/name"]'
    assert render((Field("args"), Index(2))) == "args[2]"
    assert render((Field("x"), Key((("name", "a b"),)))) == 'x[name="a b"]'
