"""Discovery documents: `/version`, `/api`, `/apis`, per group-version resource lists, and
the aggregated `apidiscovery.k8s.io/v2` lists kubectl asks for first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.kubesim.resources import ResourceRegistry, ResourceType

GIT_VERSION = "v1.37.0-kubesim"
AGGREGATED_CT = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
_SUB_VERBS = ["get", "patch", "update"]


def version_info() -> dict[str, Any]:
    return {
        "major": "1",
        "minor": "37",
        "emulationMajor": "1",
        "emulationMinor": "37",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "36",
        "gitVersion": GIT_VERSION,
        "gitCommit": "kubesim",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "n/a (kubesim is a simulated Kubernetes API server)",
        "compiler": "python",
        "platform": "linux/amd64",
    }


def api_versions(address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def api_group_list(registry: ResourceRegistry) -> dict[str, Any]:
    groups = []
    for name, versions in sorted(registry.groups().items()):
        if not name:
            continue
        entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
        groups.append({"name": name, "versions": entries, "preferredVersion": entries[0]})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _subresources(rt: ResourceType) -> list[tuple[str, str, str, str]]:
    out = []
    for sub in rt.subresources:
        if sub == "scale":
            out.append((sub, "autoscaling", "v1", "Scale"))
        else:
            out.append((sub, rt.group, rt.version, rt.kind))
    return out


def resource_list(group: str, version: str, types: Iterable[ResourceType]) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for rt in sorted(types, key=lambda t: t.plural):
        entry: dict[str, Any] = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(rt.verbs),
        }
        if rt.short_names:
            entry["shortNames"] = list(rt.short_names)
        if rt.categories:
            entry["categories"] = list(rt.categories)
        resources.append(entry)
        for sub, g, v, kind in _subresources(rt):
            item: dict[str, Any] = {
                "name": f"{rt.plural}/{sub}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": kind,
                "verbs": _SUB_VERBS,
            }
            if sub == "scale":
                item.update({"group": g, "version": v})
            resources.append(item)
    gv = f"{group}/{version}" if group else version
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": gv,
        "resources": resources,
    }


def _aggregated_resource(rt: ResourceType, version: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        entry["shortNames"] = list(rt.short_names)
    if rt.categories:
        entry["categories"] = list(rt.categories)
    subs = [
        {
            "subresource": sub,
            "responseKind": {"group": g, "version": v, "kind": k},
            "verbs": _SUB_VERBS,
        }
        for sub, g, v, k in _subresources(rt)
    ]
    if subs:
        entry["subresources"] = subs
    return entry


def aggregated(registry: ResourceRegistry, *, legacy: bool) -> dict[str, Any]:
    """APIGroupDiscoveryList for `/api` (legacy=True) or `/apis`."""
    items = []
    for name, versions in sorted(registry.groups().items()):
        if bool(name) == legacy:
            continue
        version_entries = []
        for v in versions:
            types = [rt for rt in registry.all() if rt.group == name and v in rt.served_versions]
            version_entries.append(
                {
                    "version": v,
                    "resources": [
                        _aggregated_resource(rt, v) for rt in sorted(types, key=lambda t: t.plural)
                    ],
                    "freshness": "Current",
                }
            )
        items.append(
            {"metadata": {"name": name, "creationTimestamp": None}, "versions": version_entries}
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    }
