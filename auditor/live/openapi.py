"""The cluster's own type definitions, from its `/openapi/v3` (Kubernetes 1.27+), for the
group-versions an audit needs. The diff then follows the list types and map keys of the
cluster's actual version; a cluster without OpenAPI v3 falls back to the packaged ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from auditor.kubemeta.schema import definitions_from_openapi
from auditor.live.client import KubeClient
from auditor.live.errors import ClusterError, ClusterUnreachable


def openapi_key(api_version: str) -> str:
    """The `/openapi/v3` index key of a group-version: `api/v1`, `apis/apps/v1`."""
    return "api/v1" if api_version == "v1" else f"apis/{api_version}"


def cluster_definitions(
    client: KubeClient,
    api_versions: Iterable[str],
    *,
    cache: dict[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """Definitions from the cluster's OpenAPI v3 documents of `api_versions`, or None when
    it serves none. `cache` (URL with its content hash -> schemas) spares re-fetching a
    document the server says has not changed."""
    try:
        index = client.get_json("/openapi/v3", what="the OpenAPI v3 index")
    except ClusterUnreachable:
        raise
    except ClusterError:  # no OpenAPI v3 (an older server) or not allowed: use the packaged
        return None
    paths: Mapping[str, Any] = (index or {}).get("paths") or {}
    schemas: dict[str, Any] = {}
    for api_version in sorted(set(api_versions)):
        entry = paths.get(openapi_key(api_version))
        url = str((entry or {}).get("serverRelativeURL") or "")
        if not url:
            continue
        found = cache.get(url) if cache is not None else None
        if found is None:
            path, _, query = url.partition("?")
            doc = client.get_json(path, query=parse_qsl(query), what=f"OpenAPI v3 of {api_version}")
            found = ((doc or {}).get("components") or {}).get("schemas") or {}
            if cache is not None:
                cache[url] = found
        schemas.update(found)
    return definitions_from_openapi(schemas) if schemas else None
