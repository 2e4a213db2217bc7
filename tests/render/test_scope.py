"""The cluster-scoped kinds table: built-ins, CRD-declared kinds and discovery extras."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.render.scope import ScopeTable, api_group, declared_cluster_scoped


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("", "Namespace"),
        ("", "PersistentVolume"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ],
)
def test_builtin_cluster_scoped(group: str, kind: str) -> None:
    assert ScopeTable().is_cluster_scoped(group, kind)


@pytest.mark.parametrize(
    ("group", "kind"),
    [
        ("", "ConfigMap"),
        ("apps", "Deployment"),
        ("rbac.authorization.k8s.io", "Role"),
        ("", "ClusterRole"),  # the kind alone is not enough: the group matters
        ("example.com", "Widget"),  # unknown kinds are namespaced
    ],
)
def test_namespaced(group: str, kind: str) -> None:
    assert not ScopeTable().is_cluster_scoped(group, kind)


def test_extra_kinds_from_discovery() -> None:
    table = ScopeTable([("example.com", "Widget")])
    assert table.is_cluster_scoped("example.com", "Widget")
    assert table.is_cluster_scoped("", "Namespace")


def test_crds_declaring_cluster_scope() -> None:
    def crd(group: str, kind: str, scope: str) -> dict[str, Any]:
        return {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{kind.lower()}s.{group}"},
            "spec": {"group": group, "names": {"kind": kind}, "scope": scope},
        }

    bodies = [
        crd("cert-manager.io", "ClusterIssuer", "Cluster"),
        crd("cert-manager.io", "Issuer", "Namespaced"),
        {"apiVersion": "v1", "kind": "ConfigMap", "spec": {"scope": "Cluster"}},
    ]
    found = declared_cluster_scoped(bodies)
    assert found == {("cert-manager.io", "ClusterIssuer")}
    table = ScopeTable().with_kinds(found)
    assert table.is_cluster_scoped("cert-manager.io", "ClusterIssuer")
    assert not table.is_cluster_scoped("cert-manager.io", "Issuer")


def test_api_group() -> None:
    assert api_group({"apiVersion": "v1"}) == ""
    assert api_group({"apiVersion": "apps/v1"}) == "apps"
    assert api_group({}) == ""
