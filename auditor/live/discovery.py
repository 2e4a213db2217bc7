"""API discovery: which resource types a cluster serves, at which preferred version.

Tries aggregated discovery (one request for `/api` and one for `/apis`, Kubernetes 1.26+)
and falls back to the classic walk over group versions. Parsing is pure; `discover` does
the requests through `KubeClient`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.live.client import KubeClient
from auditor.live.errors import ClusterError

AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)


@dataclass(frozen=True)
class ApiResource:
    """One listable resource type at the group's preferred version."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: frozenset[str]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str = "") -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def __str__(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


def discover(client: KubeClient) -> list[ApiResource]:
    """Every resource type the cluster serves (preferred version per group)."""
    return discover_index(client).all


def discover_index(client: KubeClient) -> ResourceIndex:
    """The cluster's discovery: its resource types (preferred versions) and every API
    version it serves, `group/version` and `group/version/Kind` (what Argo CD hands Helm
    as `--api-versions`)."""
    core = client.get_json("/api", accept=AGGREGATED, what="the API (discovery)")
    groups = client.get_json("/apis", accept=AGGREGATED, what="API groups (discovery)")
    if _is_aggregated(core) and _is_aggregated(groups):
        return ResourceIndex(
            parse_aggregated(core) + parse_aggregated(groups),
            api_versions=aggregated_api_versions(core) + aggregated_api_versions(groups),
        )
    return _classic(client, core, groups)


def aggregated_api_versions(doc: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for group in doc.get("items") or []:
        name = (group.get("metadata") or {}).get("name", "")
        for version in group.get("versions") or []:
            gv = f"{name}/{version.get('version', '')}" if name else str(version.get("version"))
            out.append(gv)
            for res in version.get("resources") or []:
                kind = (res.get("responseKind") or {}).get("kind", "")
                if kind:
                    out.append(f"{gv}/{kind}")
    return tuple(dict.fromkeys(out))


def _classic(client: KubeClient, core: Any, groups: Any) -> ResourceIndex:
    """The walk over group versions (servers without aggregated discovery): kinds of the
    preferred versions, and every group/version the groups list."""
    resources: list[ApiResource] = []
    versions: list[str] = []
    for version in core.get("versions") or ["v1"]:
        resources += parse_resource_list(
            client.get_json(f"/api/{version}", what="core API (discovery)"),
            group="",
            version=version,
        )
        versions.append(str(version))
    for group in groups.get("groups") or []:
        versions += [str(v.get("groupVersion")) for v in group.get("versions") or []]
        preferred = (group.get("preferredVersion") or {}).get("version")
        if not preferred:
            continue
        listing = client.get_json(
            f"/apis/{group['name']}/{preferred}", what=f"{group['name']} (discovery)"
        )
        resources += parse_resource_list(listing, group=group["name"], version=preferred)
    versions += [f"{r.api_version}/{r.kind}" for r in resources if r.kind]
    return ResourceIndex(resources, api_versions=tuple(dict.fromkeys(versions)))


def _is_aggregated(doc: Any) -> bool:
    return isinstance(doc, Mapping) and doc.get("kind") == "APIGroupDiscoveryList"


def parse_aggregated(doc: Mapping[str, Any]) -> list[ApiResource]:
    out: list[ApiResource] = []
    for group in doc.get("items") or []:
        name = (group.get("metadata") or {}).get("name", "")
        versions = group.get("versions") or []
        if not versions:
            continue
        preferred = versions[0]  # the list is in preference order
        for res in preferred.get("resources") or []:
            kind = (res.get("responseKind") or {}).get("kind", "")
            out.append(
                ApiResource(
                    group=name,
                    version=preferred.get("version", ""),
                    kind=kind,
                    plural=res.get("resource", ""),
                    namespaced=res.get("scope") == "Namespaced",
                    verbs=frozenset(res.get("verbs") or ()),
                )
            )
    return out


def parse_resource_list(doc: Mapping[str, Any], *, group: str, version: str) -> list[ApiResource]:
    return [
        ApiResource(
            group=group,
            version=version,
            kind=res.get("kind", ""),
            plural=res["name"],
            namespaced=bool(res.get("namespaced")),
            verbs=frozenset(res.get("verbs") or ()),
        )
        for res in doc.get("resources") or []
        if "/" not in res.get("name", "/")  # subresources (deployments/scale) are not types
    ]


class ResourceIndex:
    """Lookups over a cluster's discovery: by (group, kind), and which types to list;
    `api_versions` are every served `group/version` and `group/version/Kind`."""

    def __init__(
        self, resources: Iterable[ApiResource], *, api_versions: Iterable[str] = ()
    ) -> None:
        self.all = [r for r in resources if r.kind]
        self._by_gk = {(r.group, r.kind): r for r in self.all}
        self.api_versions = tuple(api_versions) or tuple(
            dict.fromkeys(v for r in self.all for v in (r.api_version, f"{r.api_version}/{r.kind}"))
        )

    def find(self, group: str, kind: str) -> ApiResource | None:
        return self._by_gk.get((group, kind))

    def listable(self, *, excluded: Iterable[tuple[str, str]]) -> list[ApiResource]:
        skip = set(excluded)
        return [
            r
            for r in self.all
            if "list" in r.verbs and (r.group, r.kind) not in skip and (r.group, "*") not in skip
        ]

    def cluster_scoped(self) -> set[tuple[str, str]]:
        return {(r.group, r.kind) for r in self.all if not r.namespaced}


def require(index: ResourceIndex, group: str, kind: str) -> ApiResource:
    found = index.find(group, kind)
    if found is None:
        gk = f"{kind}.{group}" if group else kind
        raise ClusterError(f"the cluster does not serve {gk} (is its CRD installed?)")
    return found
