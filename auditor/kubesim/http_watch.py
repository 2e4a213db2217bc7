"""Watch streaming for the HTTP adapter: chunked JSON events (optionally as Tables),
initial-events bookmarks, and ERROR events for expired resourceVersions.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from auditor.kubesim import errors, reads, tables
from auditor.kubesim.objects import at_version
from auditor.kubesim.resources import ResourceType
from auditor.kubesim.routing import Route

if TYPE_CHECKING:
    from auditor.kubesim.server import SimServer


class WatchMixin(BaseHTTPRequestHandler):
    """Adds `_watch` to the request handler."""

    server: SimServer

    def _list_query(self, q: dict[str, str], route: Route, rt: ResourceType) -> reads.Query:
        try:
            limit = int(q.get("limit") or 0)
        except ValueError as exc:
            raise errors.bad_request("limit must be an integer") from exc
        return reads.Query(
            namespace=route.namespace if rt.namespaced else None,
            label_selector=q.get("labelSelector", ""),
            field_selector=q.get("fieldSelector", ""),
            limit=limit,
            continue_token=q.get("continue", ""),
        )

    def _watch(self, rt: ResourceType, route: Route, q: dict[str, str], wants_table: bool) -> None:
        cluster = self.server.cluster
        timeout = float(q.get("timeoutSeconds") or 1800)
        query = self._list_query(q, route, rt)
        initial_events = q.get("sendInitialEvents") == "true"
        rv = "" if initial_events else q.get("resourceVersion", "")
        watch = reads.Watch(cluster.store, rt, query, resource_version=rv, timeout=timeout)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.close_connection = True
        try:
            for item in watch.events():
                if item is None:
                    continue
                kind, stored = item
                if stored is None:
                    if initial_events:
                        self._bookmark(rt, route.version)
                    continue
                obj: Any = at_version(rt, stored.obj, route.version)
                if wants_table:
                    obj = tables.table(
                        rt,
                        [obj],
                        now=cluster.clock(),
                        include_object=q.get("includeObject", "Metadata"),
                    )
                self._chunk({"type": kind, "object": obj})
        except errors.ApiError as exc:
            self._chunk({"type": "ERROR", "object": exc.status()})
        except (BrokenPipeError, ConnectionResetError):
            return
        try:
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            return

    def _bookmark(self, rt: ResourceType, version: str) -> None:
        self._chunk(
            {
                "type": "BOOKMARK",
                "object": {
                    "kind": rt.kind,
                    "apiVersion": rt.api_version(version),
                    "metadata": {
                        "resourceVersion": str(self.server.cluster.store.resource_version),
                        "annotations": {"k8s.io/initial-events-end": "true"},
                    },
                },
            }
        )

    def _chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()
