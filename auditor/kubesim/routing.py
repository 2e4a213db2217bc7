"""URL parsing: turns a Kubernetes API path into a `Route` (discovery, OpenAPI, or a
resource request with group, version, resource, namespace, name, subresource).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    kind: str  # "version", "api", "apis", "group", "resources", "openapi", "resource", "health"
    group: str = ""
    version: str = ""
    plural: str = ""
    namespace: str | None = None
    name: str = ""
    subresource: str = ""
    path: str = ""


_NAMESPACE_SUBS = frozenset({"status", "finalize"})


def parse(path: str) -> Route | None:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    head = parts[0]
    if head == "version":
        return Route("version")
    if head in ("healthz", "livez", "readyz"):
        return Route("health")
    if head == "openapi":
        return Route("openapi", path="/".join(parts[1:]))
    if head == "api":
        if len(parts) == 1:
            return Route("api")
        return _resource("", parts[1], parts[2:])
    if head == "apis":
        if len(parts) == 1:
            return Route("apis")
        if len(parts) == 2:
            return Route("group", group=parts[1])
        return _resource(parts[1], parts[2], parts[3:])
    return None


def _resource(group: str, version: str, rest: list[str]) -> Route | None:
    if not rest:
        return Route("resources", group=group, version=version)
    namespace: str | None = None
    if (
        rest[0] == "namespaces"
        and len(rest) >= 3
        and not (not group and len(rest) == 3 and rest[2] in _NAMESPACE_SUBS)
    ):
        namespace = rest[1]
        rest = rest[2:]
    if len(rest) > 3:
        return None
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    sub = rest[2] if len(rest) > 2 else ""
    return Route("resource", group, version, plural, namespace, name, sub)
