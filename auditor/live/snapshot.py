"""One audit round's view of a cluster: every resource type listed once, shared by all apps.

`KubeClusterReader.read` lists each wanted type (paginated) plus every other listable type
that apps may track, so the number of requests grows with types and clusters, never with
apps or objects. A failed list is recorded per type; an unreachable cluster fails the
whole snapshot. Nothing here decides drift.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from auditor.live.client import KubeClient
from auditor.live.discovery import ApiResource, ResourceIndex, discover_index
from auditor.live.errors import (
    ClusterBadResponse,
    ClusterError,
    ClusterUnreachable,
    ResourceNotFound,
)
from auditor.live.openapi import cluster_definitions
from auditor.model import Capabilities, ResourceKey

# Types never listed unless Git declares them: high-churn, controller-made, or ephemeral
# (as Argo CD's default resource.exclusions).
DEFAULT_EXCLUDED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Event"),
        ("events.k8s.io", "Event"),
        ("", "Endpoints"),
        ("discovery.k8s.io", "EndpointSlice"),
        ("coordination.k8s.io", "Lease"),
        ("", "Pod"),
        ("apps", "ReplicaSet"),
        ("apps", "ControllerRevision"),
        ("", "ComponentStatus"),
        ("authentication.k8s.io", "*"),
        ("authorization.k8s.io", "*"),
        ("metrics.k8s.io", "*"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
    }
)


@dataclass
class ClusterSnapshot:
    """Live objects of one cluster, keyed by `ResourceKey`, with what could not be read."""

    cluster: str
    index: ResourceIndex | None = None
    objects: dict[ResourceKey, Mapping[str, Any]] = field(default_factory=dict)
    failed: dict[tuple[str, str], str] = field(default_factory=dict)
    listed: set[tuple[str, str]] = field(default_factory=set)
    error: str | None = None
    requests: int = 0
    definitions: Mapping[str, Any] | None = None  # the cluster's own, from /openapi/v3
    # Objects read again at another version than the preferred one, because Git declares
    # them at it: (group, version, kind) -> objects by key.
    versioned: dict[tuple[str, str, str], dict[ResourceKey, Mapping[str, Any]]] = field(
        default_factory=dict
    )

    def get(self, key: ResourceKey, api_version: str = "") -> Mapping[str, Any] | None:
        """The live object, as the server returns it at `api_version` when it was read at
        that version (Git's), else at the preferred one."""
        if api_version:
            version = api_version.rpartition("/")[2]
            at = self.versioned.get((key.group, version, key.kind))
            if at is not None:
                return at.get(key)
        return self.objects.get(key)

    def failure(self, group: str, kind: str) -> str | None:
        """Why objects of this type are unknown (a failed list), or None when they are known."""
        if self.error:
            return self.error
        if (group, kind) in self.failed:
            return self.failed[(group, kind)]
        if self.index is not None and self.index.find(group, kind) is None:
            gk = f"{kind}.{group}" if group else kind
            return f"cluster {self.cluster} does not serve {gk}"
        return None

    def index_or_raise(self) -> ResourceIndex:
        if self.index is None:
            raise ClusterError(self.error or f"cluster {self.cluster} was not read")
        return self.index

    def cluster_scoped(self, group: str, kind: str) -> bool:
        found = self.index.find(group, kind) if self.index else None
        return found is not None and not found.namespaced


@dataclass(frozen=True)
class Scope:
    """A read of a few apps' objects only: the types their Git declares, listed with the
    tracking label `selector`, plus a GET of each object Git declares (found even when
    its label was removed). Types no declared object has are not read: what an audit
    made from such a snapshot says about them is left to the full rounds."""

    selector: str
    objects: tuple[tuple[ResourceKey, str], ...] = ()  # (key, Git's apiVersion)


class ClusterReader(Protocol):
    """Port: read the live state an audit round needs from one cluster."""

    def read(
        self,
        cluster: str,
        *,
        wanted: Iterable[tuple[str, str]],
        versions: Iterable[tuple[str, str, str]] = (),
        scope: Scope | None = None,
    ) -> ClusterSnapshot: ...


def server_version(info: Mapping[str, Any]) -> str:
    """`major.minor` of `/version`, as Argo CD reports a cluster's version to Helm (GKE's
    `27+` minor is 27); gitVersion's numbers when those fields are missing."""
    major = "".join(c for c in str(info.get("major") or "") if c.isdigit())
    minor = "".join(c for c in str(info.get("minor") or "") if c.isdigit())
    if major and minor:
        return f"{major}.{minor}"
    git_version = str(info.get("gitVersion") or "").lstrip("v")
    return ".".join(git_version.split("-")[0].split("+")[0].split(".")[:2])


@runtime_checkable
class CapabilitiesReader(Protocol):
    """A reader that can also say what a cluster serves (for Helm's capabilities)."""

    def capabilities(self, cluster: str) -> Capabilities | None: ...


class KubeClusterReader:
    """`ClusterReader` over the Kubernetes API, with discovery cached per cluster."""

    def __init__(
        self,
        *,
        client_for: Callable[[str], KubeClient],
        page_size: int = 500,
        discovery_ttl: float = 300.0,
        excluded: Iterable[tuple[str, str]] = DEFAULT_EXCLUDED,
        clock: Callable[[], float] = time.monotonic,
        read_seconds: float = 300.0,
    ) -> None:
        self.client_for = client_for
        self.read_seconds = read_seconds
        self.page_size = page_size
        self.discovery_ttl = discovery_ttl
        self.excluded = frozenset(excluded)
        self.clock = clock
        self._discovery: dict[str, tuple[float, ResourceIndex]] = {}
        self._openapi: dict[str, dict[str, Mapping[str, Any]]] = {}
        self._versions: dict[str, str] = {}
        self._lock = threading.Lock()

    def read(
        self,
        cluster: str,
        *,
        wanted: Iterable[tuple[str, str]],
        versions: Iterable[tuple[str, str, str]] = (),
        scope: Scope | None = None,
    ) -> ClusterSnapshot:
        """List every type once; `versions` (group, version, kind) that Git declares at a
        version other than the preferred one are listed again at that version. With a
        `scope`, lists carry its label selector and each object Git declares is read."""
        snapshot = ClusterSnapshot(cluster=cluster)
        try:
            client = self.client_for(cluster)
        except ClusterError as exc:
            snapshot.error = exc.message
            return snapshot
        before = client.requests
        try:
            with client.within(self.read_seconds):
                self._read_into(snapshot, client, wanted=wanted, versions=versions, scope=scope)
        except ClusterError as exc:  # unreachable, timed out, or discovery refused or broken
            snapshot.error = exc.message
        except (AttributeError, TypeError, KeyError, ValueError) as exc:  # a garbled answer
            snapshot.error = f"cluster {cluster}: unexpected answer from the API server ({exc})"
        snapshot.requests = client.requests - before
        return snapshot

    def _read_into(
        self,
        snapshot: ClusterSnapshot,
        client: KubeClient,
        *,
        wanted: Iterable[tuple[str, str]],
        versions: Iterable[tuple[str, str, str]],
        scope: Scope | None = None,
    ) -> None:
        cluster = snapshot.cluster
        snapshot.index = self._index(cluster, client)
        wanted_set = set(wanted)
        types = [
            r
            for r in snapshot.index.listable(excluded=())
            if ((r.group, r.kind) in wanted_set if scope else self._should_list(r, wanted_set))
        ]
        selector = scope.selector if scope else ""
        for resource in types:
            self._list_into(snapshot, client, resource, selector=selector)
        for group, version, kind in sorted(set(versions)):
            preferred = snapshot.index.find(group, kind)
            if preferred is not None and version and version != preferred.version:
                self._list_into(
                    snapshot, client, replace(preferred, version=version), selector=selector
                )
        for key, api_version in scope.objects if scope else ():
            self._get_into(snapshot, client, key, api_version)
        compared = [r.api_version for r in types if (r.group, r.kind) in wanted_set]
        with self._lock:
            documents = self._openapi.setdefault(cluster, {})
        snapshot.definitions = cluster_definitions(client, compared, cache=documents)

    def _should_list(self, resource: ApiResource, wanted: set[tuple[str, str]]) -> bool:
        gk = (resource.group, resource.kind)
        if gk in wanted:
            return True
        return gk not in self.excluded and (resource.group, "*") not in self.excluded

    def _index(self, cluster: str, client: KubeClient) -> ResourceIndex:
        now = self.clock()
        with self._lock:
            cached = self._discovery.get(cluster)
        if cached and now - cached[0] < self.discovery_ttl:
            return cached[1]
        index = discover_index(client)
        with self._lock:
            self._discovery[cluster] = (now, index)
        return index

    def _get_into(
        self, snapshot: ClusterSnapshot, client: KubeClient, key: ResourceKey, api_version: str
    ) -> None:
        """Read one object Git declares (a scoped read); absent is simply not there."""
        assert snapshot.index is not None
        res = snapshot.index.find(key.group, key.kind)
        if res is None or (key.group, key.kind) in snapshot.failed:
            return
        version = api_version.rpartition("/")[2] or res.version
        at = replace(res, version=version)
        target = (
            snapshot.objects
            if version == res.version
            else snapshot.versioned.setdefault((key.group, version, key.kind), {})
        )
        if not res.namespaced:
            key = replace(key, namespace="")
        if key in target:
            return
        try:
            obj = client.get_json(
                f"{at.path(key.namespace)}/{key.name}", verb="get", what=f"{at} {key.name}"
            )
        except ResourceNotFound:
            return
        except ClusterUnreachable:
            raise
        except ClusterError as exc:
            snapshot.failed[(key.group, key.kind)] = exc.message
            return
        obj.setdefault("apiVersion", at.api_version)
        obj.setdefault("kind", key.kind)
        target[ResourceKey.of(obj)] = obj

    def capabilities(self, cluster: str) -> Capabilities | None:
        """The cluster's version and API versions, as Argo CD hands them to Helm (from the
        discovery the next read reuses); None when the cluster cannot be reached."""
        try:
            client = self.client_for(cluster)
            index = self._index(cluster, client)
            with self._lock:
                version = self._versions.get(cluster)
            if version is None:
                info = client.get_json("/version", what="the server version") or {}
                version = server_version(info)
                with self._lock:
                    self._versions[cluster] = version
        except ClusterError:
            return None
        return Capabilities(kube_version=version, api_versions=index.api_versions)

    def _list_into(
        self, snapshot: ClusterSnapshot, client: KubeClient, res: ApiResource, *, selector: str = ""
    ) -> None:
        token = ""
        items: list[Mapping[str, Any]] = []
        try:
            while True:
                query = [("limit", str(self.page_size))]
                if selector:
                    query.append(("labelSelector", selector))
                if token:
                    query.append(("continue", token))
                page = client.get_json(res.path(), query=query, verb="list", what=str(res))
                found, token = _page(page, cluster=snapshot.cluster, what=str(res))
                for item in found:
                    item.setdefault("apiVersion", res.api_version)
                    item.setdefault("kind", res.kind)
                    items.append(item)
                if not token:
                    break
        except ClusterUnreachable:
            raise
        except ClusterError as exc:
            snapshot.failed[(res.group, res.kind)] = exc.message
            return
        preferred = snapshot.index is None or snapshot.index.find(res.group, res.kind) == res
        target = (
            snapshot.objects
            if preferred
            else snapshot.versioned.setdefault((res.group, res.version, res.kind), {})
        )
        for item in items:
            target[ResourceKey.of(item)] = item
        snapshot.listed.add((res.group, res.kind))


def _page(page: Mapping[str, Any], *, cluster: str, what: str) -> tuple[list[Any], str]:
    """The items and continue token of a list answer, or `ClusterBadResponse` when it is
    not shaped like one (a list whose items are not objects is no list at all)."""
    items = page.get("items") or []
    meta = page.get("metadata") or {}
    token = meta.get("continue") if isinstance(meta, Mapping) else None
    if (
        not isinstance(items, list)
        or not all(isinstance(i, dict) and isinstance(i.get("metadata"), dict) for i in items)
        or not isinstance(token, str | None)
    ):
        raise ClusterBadResponse(
            f"cluster {cluster}: list {what} answered with something that is not a list",
            cluster=cluster,
            verb="list",
            resource=what,
        )
    return items, token or ""
