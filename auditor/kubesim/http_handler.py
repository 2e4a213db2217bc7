"""HTTP adapter: maps Kubernetes REST requests onto the `Cluster` core and writes JSON
responses (objects, lists, Tables, Status errors, chunked watch streams).

Only this module and `server.py` know about HTTP; everything they call is pure core.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import yaml

from auditor.kubemeta.managed import manager_from_user_agent
from auditor.kubemeta.media import APPLY_PATCH
from auditor.kubesim import discovery, errors, lifecycle, protobuf, reads, scale, tables
from auditor.kubesim.cluster import WriteOptions
from auditor.kubesim.faults import Fault
from auditor.kubesim.http_watch import WatchMixin
from auditor.kubesim.objects import at_version
from auditor.kubesim.resources import ResourceType
from auditor.kubesim.routing import Route, parse

if TYPE_CHECKING:
    from auditor.kubesim.server import SimServer

log = logging.getLogger("auditor.kubesim")
_TABLE = "as=Table"


class KubeHandler(WatchMixin, BaseHTTPRequestHandler):
    """One HTTP/1.1 connection to kubesim."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: SimServer

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # ---- plumbing ----------------------------------------------------------------
    def _query(self) -> dict[str, str]:
        qs = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        return {k: v[-1] for k, v in qs.items()}

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        code: int,
        payload: Any,
        *,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        data = (
            payload
            if isinstance(payload, bytes)
            else json.dumps(payload, separators=(",", ":")).encode()
        )
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for warning in getattr(self, "_warnings", []):
            self.send_header("Warning", f'299 - "{warning}"')
        self.end_headers()
        if self.command != "HEAD":
            self._write(data)

    def flush_headers(self) -> None:
        fault = getattr(self, "_fault", None)
        buffered = getattr(self, "_headers_buffer", None)
        if fault is None or not (fault.drip and fault.drip_headers) or not buffered:
            super().flush_headers()
            return
        self._headers_buffer: list[bytes] = []
        self._drip(b"".join(buffered), fault.drip)

    def _drip(self, data: bytes, every: float) -> None:
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            time.sleep(every)

    def _write(self, data: bytes) -> None:
        """The body, as a fault of this request says: whole, dripped, or cut off."""
        fault = getattr(self, "_fault", None)
        if fault is not None and fault.cut:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:  # the client went first
                pass
            return
        if fault is not None and fault.drip:
            self._drip(data, fault.drip)
            return
        self.wfile.write(data)

    def _error(self, exc: errors.ApiError) -> None:
        retry = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
        self._send(exc.code, exc.status(), headers=retry)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self._warnings: list[str] = []
        self._fault: Fault | None = None
        try:
            body = self._body()
            path = urlsplit(self.path).path
            if self._inject_fault(method, path):
                return
            route = parse(path)
            if route is None:
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
            if route.kind == "resource":
                self._resource(method, route, body)
            elif method != "GET":
                raise errors.method_not_allowed()
            else:
                self._discovery(route)
        except errors.ApiError as exc:
            self._error(exc)
        except (BrokenPipeError, ConnectionResetError):
            return
        except Exception as exc:  # noqa: BLE001 - one bad request must not kill the server
            log.exception("kubesim internal error")
            self._error(errors.ApiError(500, "InternalError", f"Internal error occurred: {exc}"))

    def _inject_fault(self, method: str, path: str) -> bool:
        """Apply the fault matching this request; True when it answered already."""
        fault = self.server.faults.take(method, path)
        if fault is None:
            return False
        self._fault = fault
        if fault.latency:
            time.sleep(fault.latency)
        if fault.body is not None:
            self._send(200, fault.body)
            return True
        if fault.status:
            raise errors.ApiError(
                fault.status,
                fault.reason,
                fault.describe(method, path),
                retry_after=fault.retry_after,
            )
        return False

    # ---- discovery and OpenAPI -------------------------------------------------------
    def _discovery(self, route: Route) -> None:
        sim = self.server
        accept = self.headers.get("Accept", "")
        if route.kind == "version":
            self._send(200, discovery.version_info())
        elif route.kind == "health":
            self._send(200, b"ok", content_type="text/plain")
        elif route.kind in ("api", "apis") and "as=APIGroupDiscoveryList" in accept:
            doc = sim.cached(
                ("agg", route.kind),
                lambda: discovery.aggregated(sim.cluster.registry, legacy=route.kind == "api"),
            )
            self._send(200, doc, content_type=discovery.AGGREGATED_CT)
        elif route.kind == "api":
            self._send(200, discovery.api_versions(sim.address))
        elif route.kind == "apis":
            self._send(200, discovery.api_group_list(sim.cluster.registry))
        elif route.kind == "group":
            groups = discovery.api_group_list(sim.cluster.registry)["groups"]
            found = next((g for g in groups if g["name"] == route.group), None)
            if found is None:
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
            self._send(200, {"kind": "APIGroup", "apiVersion": "v1", **found})
        elif route.kind == "resources":
            types = [
                t
                for t in sim.cluster.registry.all()
                if t.group == route.group and route.version in t.served_versions
            ]
            if not types:
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
            self._send(200, discovery.resource_list(route.group, route.version, types))
        elif route.kind == "openapi":
            self._openapi(route.path, accept)

    def _openapi(self, path: str, accept: str) -> None:
        sim = self.server
        if path == "v2":
            if "json" not in accept and accept not in ("", "*/*"):
                raise errors.ApiError(
                    406, "NotAcceptable", "only application/json is served for /openapi/v2"
                )
            self._send(200, sim.openapi_v2())
        elif path == "v3":
            self._send(200, sim.openapi_v3_index())
        elif path.startswith("v3/"):
            doc = sim.openapi_v3(path[3:])
            if doc is None:
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
            self._send(200, doc)
        else:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )

    # ---- resources -------------------------------------------------------------------
    def _options(self, q: dict[str, str], sub: str) -> WriteOptions:
        manager = q.get("fieldManager") or manager_from_user_agent(
            self.headers.get("User-Agent", "")
        )
        validation = q.get("fieldValidation") or "Warn"
        if validation not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request(
                f"fieldValidation must be one of Ignore, Warn, Strict (got {validation})"
            )
        return WriteOptions(
            manager=manager,
            dry_run=q.get("dryRun") == "All",
            force=q.get("force") in ("true", "1"),
            field_validation=validation,
            subresource=sub,
            warnings=self._warnings,
        )

    def _decode(self, body: bytes) -> Any:
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype == "application/vnd.kubernetes.protobuf":
            return protobuf.decode(body)
        try:
            if ctype in ("application/yaml", "application/x-yaml"):
                return yaml.safe_load(body)
            return json.loads(body or b"{}")
        except (ValueError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"error decoding request body: {exc}") from exc

    def _resource(self, method: str, route: Route, body: bytes) -> None:
        cluster = self.server.cluster
        rt = cluster.resource(route.group, route.version, route.plural)
        q = self._query()
        ns = route.namespace or ""
        if rt.namespaced and route.namespace is None and (method != "GET" or route.name):
            if method != "GET":
                raise errors.ApiError(
                    404, "NotFound", "the server could not find the requested resource"
                )
        if not rt.namespaced:
            ns = ""
        sub = route.subresource
        if (
            sub
            and sub not in rt.subresources
            and not (sub == "finalize" and rt.kind == "Namespace")
        ):
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        version = route.version
        if method == "GET":
            self._read(rt, route, q, ns)
        elif method == "POST":
            if route.name:
                raise errors.method_not_allowed()
            if "create" not in rt.verbs:
                raise errors.method_not_allowed()
            obj = cluster.create(rt, version, ns, self._decode(body), self._options(q, ""))
            self._send(201, obj)
        elif method == "PUT":
            if not route.name:
                raise errors.method_not_allowed()
            opts = self._options(q, sub if sub != "finalize" else "")
            if sub == "scale":
                result = scale.update_scale(
                    cluster, rt, version, ns, route.name, self._decode(body), opts
                )
            else:
                result = cluster.update(rt, version, ns, route.name, self._decode(body), opts)
            self._send(200, result)
        elif method == "PATCH":
            if not route.name:
                raise errors.method_not_allowed()
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            opts = self._options(q, sub)
            if ctype == APPLY_PATCH and not q.get("fieldManager"):
                raise errors.bad_request(
                    "PATCH, fieldManager: Required value: is required for apply patch"
                )
            if sub == "scale":
                result = scale.patch_scale(
                    cluster, rt, version, ns, route.name, patch_type=ctype, body=body, opts=opts
                )
            else:
                result = cluster.patch(
                    rt, version, ns, route.name, patch_type=ctype, body=body, opts=opts
                )
            self._send(200, result)
        elif method == "DELETE":
            self._delete(rt, route, q, ns, body)

    def _delete(
        self, rt: ResourceType, route: Route, q: dict[str, str], ns: str, body: bytes
    ) -> None:
        cluster = self.server.cluster
        options = self._decode(body) if body else {}
        options = options if isinstance(options, dict) else {}
        dry_run = q.get("dryRun") == "All" or "All" in (options.get("dryRun") or [])
        propagation = q.get("propagationPolicy") or options.get("propagationPolicy") or "Background"
        preconditions = options.get("preconditions") or {}
        if route.name:
            result = lifecycle.delete(
                cluster,
                rt,
                ns,
                route.name,
                version=route.version,
                dry_run=dry_run,
                propagation=propagation,
                preconditions=preconditions,
            )
            self._send(200, result)
            return
        if "deletecollection" not in rt.verbs:
            raise errors.method_not_allowed()
        query = self._list_query(q, route, rt)
        page = reads.list_objects(cluster.store, rt, query)
        deleted = []
        for stored in page.items:
            m = stored.obj["metadata"]
            try:
                deleted.append(
                    lifecycle.delete(
                        cluster,
                        rt,
                        m.get("namespace", ""),
                        m["name"],
                        version=route.version,
                        dry_run=dry_run,
                        propagation=propagation,
                    )
                )
            except errors.ApiError:
                continue
        self._send(
            200,
            {
                "kind": f"{rt.kind}List",
                "apiVersion": rt.api_version(route.version),
                "metadata": {"resourceVersion": str(cluster.store.resource_version)},
                "items": deleted,
            },
        )

    def _read(self, rt: ResourceType, route: Route, q: dict[str, str], ns: str) -> None:
        cluster = self.server.cluster
        wants_table = _TABLE in self.headers.get("Accept", "")
        if q.get("watch") in ("true", "1"):
            self._watch(rt, route, q, wants_table)
            return
        if route.name:
            obj = cluster.get(rt, ns, route.name)
            if route.subresource == "scale":
                self._send(200, scale.to_scale(rt, obj))
                return
            obj = at_version(rt, obj, route.version)
            if wants_table:
                self._send(
                    200,
                    tables.table(
                        rt,
                        [obj],
                        now=cluster.clock(),
                        include_object=q.get("includeObject", "Metadata"),
                        resource_version=obj["metadata"].get("resourceVersion", ""),
                    ),
                )
                return
            self._send(200, obj)
            return
        if "list" not in rt.verbs:
            raise errors.method_not_allowed()
        page = reads.list_objects(cluster.store, rt, self._list_query(q, route, rt))
        if wants_table:
            objs = [at_version(rt, s.obj, route.version) for s in page.items]
            self._send(
                200,
                tables.table(
                    rt,
                    objs,
                    now=cluster.clock(),
                    include_object=q.get("includeObject", "Metadata"),
                    resource_version=page.resource_version,
                    continue_token=page.continue_token,
                ),
            )
            return
        self._send(200, self._list_bytes(rt, route.version, page))

    def _list_bytes(self, rt: ResourceType, version: str, page: reads.Page) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": page.resource_version}
        if page.continue_token:
            meta["continue"] = page.continue_token
            meta["remainingItemCount"] = page.remaining
        head = json.dumps(
            {"kind": f"{rt.kind}List", "apiVersion": rt.api_version(version), "metadata": meta},
            separators=(",", ":"),
        ).encode()
        if rt.version == version:
            items = b",".join(s.json() for s in page.items)
        else:
            items = b",".join(
                json.dumps(at_version(rt, s.obj, version), separators=(",", ":")).encode()
                for s in page.items
            )
        return head[:-1] + b',"items":[' + items + b"]}"
