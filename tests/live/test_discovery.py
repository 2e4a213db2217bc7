"""Parsing of classic and aggregated discovery documents (as real API servers send them)."""

from __future__ import annotations

from auditor.live.discovery import ResourceIndex, parse_aggregated, parse_resource_list

CORE_V1 = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        {"name": "configmaps", "namespaced": True, "kind": "ConfigMap", "verbs": ["get", "list"]},
        {"name": "namespaces", "namespaced": False, "kind": "Namespace", "verbs": ["get", "list"]},
        {"name": "pods/log", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
        {"name": "bindings", "namespaced": True, "kind": "Binding", "verbs": ["create"]},
    ],
}

AGGREGATED = {
    "kind": "APIGroupDiscoveryList",
    "apiVersion": "apidiscovery.k8s.io/v2",
    "items": [
        {
            "metadata": {"name": "apps"},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        {
                            "resource": "deployments",
                            "responseKind": {"group": "", "kind": "Deployment", "version": ""},
                            "scope": "Namespaced",
                            "verbs": ["get", "list", "watch"],
                        }
                    ],
                }
            ],
        },
        {
            "metadata": {"name": "autoscaling"},
            "versions": [
                {
                    "version": "v2",
                    "resources": [
                        {
                            "resource": "horizontalpodautoscalers",
                            "responseKind": {"kind": "HorizontalPodAutoscaler"},
                            "scope": "Namespaced",
                            "verbs": ["list"],
                        }
                    ],
                },
                {"version": "v1", "resources": []},
            ],
        },
    ],
}


def test_classic_list_skips_subresources() -> None:
    parsed = parse_resource_list(CORE_V1, group="", version="v1")
    assert [r.plural for r in parsed] == ["configmaps", "namespaces", "bindings"]
    ns = parsed[1]
    assert not ns.namespaced and ns.path() == "/api/v1/namespaces"
    assert parsed[0].path("prod") == "/api/v1/namespaces/prod/configmaps"


def test_aggregated_takes_the_preferred_version() -> None:
    parsed = parse_aggregated(AGGREGATED)
    hpa = next(r for r in parsed if r.kind == "HorizontalPodAutoscaler")
    assert hpa.version == "v2" and hpa.api_version == "autoscaling/v2"
    assert str(parsed[0]) == "deployments.apps"


def test_index_listable_respects_verbs_and_exclusions() -> None:
    index = ResourceIndex(
        parse_resource_list(CORE_V1, group="", version="v1") + parse_aggregated(AGGREGATED)
    )
    names = [r.plural for r in index.listable(excluded={("", "ConfigMap"), ("autoscaling", "*")})]
    assert names == ["namespaces", "deployments"]
    assert index.cluster_scoped() == {("", "Namespace")}
    assert index.find("apps", "Deployment") is not None
