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


def test_server_version_is_major_minor_as_argo_cd_reports_it() -> None:
    from auditor.live.snapshot import server_version

    assert server_version({"major": "1", "minor": "27+", "gitVersion": "v1.27.3-gke.100"}) == "1.27"
    assert server_version({"gitVersion": "v1.37.0-kubesim"}) == "1.37"


def test_api_versions_list_every_served_version_and_kind() -> None:
    from auditor.live.discovery import aggregated_api_versions

    doc = {
        "kind": "APIGroupDiscoveryList",
        "items": [
            {
                "metadata": {"name": "autoscaling"},
                "versions": [
                    {"version": "v2", "resources": [
                        {"resource": "horizontalpodautoscalers",
                         "responseKind": {"kind": "HorizontalPodAutoscaler"}}]},
                    {"version": "v1", "resources": [
                        {"resource": "horizontalpodautoscalers",
                         "responseKind": {"kind": "HorizontalPodAutoscaler"}}]},
                ],
            },
            {"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [
                {"resource": "pods", "responseKind": {"kind": "Pod"}}]}]},
        ],
    }  # fmt: skip
    assert aggregated_api_versions(doc) == (
        "autoscaling/v2",
        "autoscaling/v2/HorizontalPodAutoscaler",
        "autoscaling/v1",
        "autoscaling/v1/HorizontalPodAutoscaler",
        "v1",
        "v1/Pod",
    )
