"""Server-side diff: what the API server would make of our apply, without writing it.

A server-side apply with `dryRun=All` of each desired object that exists live returns the
object the server would store (defaults, webhooks and merges included): Argo CD's
ServerSideDiff. One request per object, so it is an option, not the default.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from auditor.kubemeta.media import APPLY_PATCH
from auditor.live.client import KubeClient
from auditor.live.discovery import ResourceIndex, require
from auditor.model import Resource, ResourceKey

FIELD_MANAGER = "gitops-auditor"


def object_path(index: ResourceIndex, key: ResourceKey, api_version: str = "") -> str:
    """The URL path of one object, at `api_version` when given (the version Git declares
    it at), else at the cluster's preferred version."""
    resource = require(index, key.group, key.kind)
    version = api_version.rpartition("/")[2]
    if version and version != resource.version:
        resource = replace(resource, version=version)
    return f"{resource.path(key.namespace)}/{key.name}"


def predict(
    client: KubeClient,
    index: ResourceIndex,
    resources: Iterable[Resource],
    *,
    field_manager: str = FIELD_MANAGER,
) -> dict[ResourceKey, Mapping[str, Any]]:
    """The server's prediction for each resource (raises `ClusterError` on a refusal)."""
    out: dict[ResourceKey, Mapping[str, Any]] = {}
    for resource in resources:
        _, body = client.request(
            "PATCH",
            object_path(index, resource.key, resource.api_version),
            query=[("dryRun", "All"), ("fieldManager", field_manager), ("force", "true")],
            body=json.dumps(dict(resource.body)),
            content_type=APPLY_PATCH,
            verb="dry-run apply",
            what=str(resource.key),
        )
        out[resource.key] = body
    return out
