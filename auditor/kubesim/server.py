"""`KubeSim`: a running kubesim on a background thread (127.0.0.1, ephemeral port by
default), with its URL, a kubeconfig writer, and stop/context-manager support.

Several instances side by side are several independent clusters.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from auditor.kubesim import openapi
from auditor.kubesim.cluster import Cluster, WriteOptions
from auditor.kubesim.faults import Faults
from auditor.kubesim.http_handler import KubeHandler
from auditor.kubesim.lifecycle import SYSTEM_NAMESPACES
from auditor.kubesim.persistence import StateWriter, load_dump_file, load_objects, read_state

log = logging.getLogger("auditor.kubesim")


class SimServer(ThreadingHTTPServer):
    """The HTTP server; holds the cluster and caches of derived documents."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], cluster: Cluster, faults: Faults) -> None:
        super().__init__(address, KubeHandler)
        self.cluster = cluster
        self.faults = faults
        self._cache: dict[Any, tuple[int, Any]] = {}
        self._cache_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Close every open connection, as a server that goes away does (keep-alive
        connections included: clients see a reset, not a server that lingers)."""
        with self._conn_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """A document derived from the served resources, rebuilt when CRDs change."""
        generation = self.cluster.registry.generation
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == generation:
                return hit[1]
        value = build()
        with self._cache_lock:
            self._cache[key] = (generation, value)
        return value

    def _group_versions(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for rt in self.cluster.registry.all():
            for v in rt.served_versions:
                key = f"api/{v}" if not rt.group else f"apis/{rt.group}/{v}"
                out.setdefault(key, []).append(rt)
        return out

    def openapi_v3(self, path: str) -> Any:
        types = self._group_versions().get(path)
        if types is None:
            return None
        parts = path.split("/")
        group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
        return self.cached(("v3", path), lambda: openapi.v3_document(group, version, types))

    def openapi_v3_index(self) -> Any:
        def build() -> Any:
            paths = {}
            for path in sorted(self._group_versions()):
                doc = self.openapi_v3(path)
                paths[path] = {
                    "serverRelativeURL": f"/openapi/v3/{path}?hash={openapi.doc_hash(doc)}"
                }
            return {"paths": paths}

        return self.cached("v3-index", build)

    def openapi_v2(self) -> Any:
        return self.cached("v2", lambda: openapi.v2_document(self.cluster.registry.all()))


class KubeSim:
    """A simulated Kubernetes API server running on a thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        controllers: bool = True,
        state_file: Path | None = None,
        dumps: Sequence[Path] = (),
    ) -> None:
        self.cluster = Cluster(controllers=controllers)
        self.faults = Faults()  # injected failures, for tests of error handling
        self._host, self._port = host, port
        self._state_file = state_file
        self._dumps = list(dumps)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None
        self._writer: StateWriter | None = None

    def start(self) -> KubeSim:
        restored = read_state(self._state_file) if self._state_file else None
        if restored:
            load_objects(self.cluster, restored)
        else:
            bootstrap(self.cluster)
        for dump in self._dumps:
            load_objects(self.cluster, load_dump_file(dump))
        self._server = SimServer((self._host, self._port), self.cluster, self.faults)
        if self._state_file is not None:
            self._writer = StateWriter(self.cluster, self._state_file)
            self._writer.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="kubesim", daemon=True
        )
        self._thread.start()
        log.info("kubesim (simulated Kubernetes API server) listening on %s", self.url)
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("kubesim is not running")
        return f"http://{self._server.address}"

    def stop(self) -> None:
        """Stop serving and drop open connections; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.drop_connections()  # at once: shutdown() waits for the accept loop's poll
        server.shutdown()
        server.server_close()
        server.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._writer is not None:
            self._writer.stop()
        self.cluster.store.close()

    def __enter__(self) -> KubeSim:
        return self.start() if self._server is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def kubeconfig(self, *, context: str = "kubesim", namespace: str = "default") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": f"{context}-user", "user": {"token": "kubesim"}}],
            "contexts": [
                {
                    "name": context,
                    "context": {
                        "cluster": context,
                        "user": f"{context}-user",
                        "namespace": namespace,
                    },
                }
            ],
            "current-context": context,
            "preferences": {},
        }

    def write_kubeconfig(self, path: Path, *, context: str = "kubesim") -> Path:
        """Write a kubeconfig (plain http) for kubectl and the kubernetes client."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.kubeconfig(context=context), sort_keys=False))
        return path


def bootstrap(cluster: Cluster) -> None:
    """The namespaces every cluster starts with."""
    ns = cluster.registry.by_plural("", "namespaces")
    assert ns is not None
    opts = WriteOptions(manager="kube-apiserver")
    for name in SYSTEM_NAMESPACES:
        if cluster.namespace_exists(name) is None:
            cluster.create(ns, "v1", "", {"metadata": {"name": name}}, opts)
