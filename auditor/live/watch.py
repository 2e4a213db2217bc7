"""Watching one resource type of one cluster, as a reflector does: list once (the objects
and the list's resourceVersion), then watch from that version, resuming from the last
version seen; a `410 Gone` (the version is too old) lists again. Yields each changed
object; a `ClusterError` when the cluster cannot be reached (the caller backs off and
retries).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.live.client import KubeClient
from auditor.live.discovery import ApiResource
from auditor.live.errors import ClusterError


class WatchExpired(Exception):
    """The resourceVersion is gone from the server's history: list again."""


@dataclass(frozen=True)
class Change:
    """One observed change: ADDED, MODIFIED, DELETED, LISTED (an object of a (re)list),
    SYNCED (the list is complete; watching from now on) or BOOKMARK."""

    type: str
    object: Mapping[str, Any]


def list_objects(
    client: KubeClient, res: ApiResource, *, page_size: int = 500
) -> tuple[list[Any], str]:
    """Every object of the type and the list's resourceVersion (to watch from)."""
    items: list[Any] = []
    token = ""
    version = ""
    while True:
        query = [("limit", str(page_size))] + ([("continue", token)] if token else [])
        page = client.get_json(res.path(), query=query, verb="list", what=str(res))
        items += page.get("items") or []
        meta = page.get("metadata") or {}
        version = str(meta.get("resourceVersion") or version)
        token = meta.get("continue") or ""
        if not token:
            return items, version


def watch_changes(
    client: KubeClient,
    res: ApiResource,
    *,
    timeout_seconds: int,
    stopped: Callable[[], bool],
) -> Iterator[Change]:
    """The changes of one type, forever (until `stopped()`): a list, then watches that
    resume from the last resourceVersion; a list again after `410 Gone`."""
    version = ""
    while not stopped():
        if not version:
            items, version = list_objects(client, res)
            for item in items:
                yield Change("LISTED", item)
            yield Change("SYNCED", {})
        try:
            for change, seen in _watch_once(client, res, version=version, timeout=timeout_seconds):
                version = seen or version
                yield change
                if stopped():
                    return
        except WatchExpired:
            version = ""


def _watch_once(
    client: KubeClient, res: ApiResource, *, version: str, timeout: int
) -> Iterator[tuple[Change, str]]:
    query = [
        ("watch", "1"),
        ("resourceVersion", version),
        ("allowWatchBookmarks", "true"),
        ("timeoutSeconds", str(timeout)),
    ]
    for line in client.stream_lines(res.path(), query=query, timeout=timeout + 30, what=str(res)):
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise ClusterError(f"cluster {client.name}: watch of {res} sent {line[:80]!r}") from exc
        kind = event.get("type")
        obj = event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise WatchExpired(str(obj.get("message") or "expired"))
            raise ClusterError(f"cluster {client.name}: watch of {res}: {obj.get('message')}")
        seen = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if kind == "BOOKMARK":
            yield Change("BOOKMARK", obj), seen
            continue
        obj.setdefault("apiVersion", res.api_version)
        obj.setdefault("kind", res.kind)
        yield Change(str(kind), obj), seen
