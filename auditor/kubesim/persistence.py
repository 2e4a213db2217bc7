"""Loading and saving cluster state: `kubectl get -o yaml` dumps (multi-document YAML,
JSON, `kind: List`) served exactly as given, and the `--state` file, written after
changes (debounced) and atomically, then read back on the next start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from auditor.kubesim.objects import clone, meta

if TYPE_CHECKING:
    from auditor.kubesim.cluster import Cluster

log = logging.getLogger("auditor.kubesim")
_STATE_VERSION = 1


def _flatten(doc: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(doc, dict):
        return
    if isinstance(doc.get("items"), list) and str(doc.get("kind", "")).endswith("List"):
        for item in doc["items"]:
            yield from _flatten(item)
    elif doc.get("kind") and doc.get("apiVersion"):
        yield doc


def parse_dump(text: str) -> list[dict[str, Any]]:
    """Objects of a dump: JSON, or YAML with one or more documents; Lists are unpacked."""
    stripped = text.lstrip()
    docs: list[Any]
    if stripped.startswith("{") or stripped.startswith("["):
        data = json.loads(text)
        docs = data if isinstance(data, list) else [data]
    else:
        docs = list(yaml.safe_load_all(text))
    return [obj for doc in docs for obj in _flatten(doc)]


def load_dump_file(path: Path) -> list[dict[str, Any]]:
    return parse_dump(Path(path).read_text())


def load_objects(cluster: Cluster, objects: Iterable[dict[str, Any]]) -> int:
    """Store objects as given (uid, resourceVersion, managedFields...); CRDs first."""
    ordered = sorted(objects, key=lambda o: 0 if o.get("kind") == "CustomResourceDefinition" else 1)
    loaded = 0
    with cluster.store.lock:
        for obj in ordered:
            api_version = str(obj.get("apiVersion", ""))
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            rt = cluster.registry.by_kind(group, str(obj.get("kind", "")))
            if rt is None:
                log.warning(
                    "kubesim: skipping %s %s: kind not served", api_version, obj.get("kind")
                )
                continue
            stored = clone(obj)
            m = meta(stored)
            if not m.get("name"):
                continue
            if not rt.namespaced:
                m.pop("namespace", None)
            elif not m.get("namespace"):
                m["namespace"] = "default"
            m.setdefault("uid", cluster.new_uid())
            m.setdefault("creationTimestamp", cluster.now())
            try:
                rv = int(m.get("resourceVersion") or 0)
            except ValueError:
                rv = 0
            if rv <= 0:
                rv = cluster.store.next_rv()
                m["resourceVersion"] = str(rv)
            cluster.store.observe_rv(rv)
            cluster.store.put((rt.group, rt.plural), stored, event="ADDED", rv=rv)
            if rt.kind == "CustomResourceDefinition":
                cluster.registry.add_crd(stored)
            spec = stored.get("spec") or {}
            if rt.kind == "Service" and isinstance(spec.get("clusterIP"), str):
                cluster.allocator.reserve(spec["clusterIP"])
            loaded += 1
    return loaded


def read_state(path: Path | None) -> list[dict[str, Any]] | None:
    if path is None or not Path(path).exists():
        return None
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
        raise ValueError(f"{path}: not a kubesim state file")
    objects = data.get("objects")
    return objects if isinstance(objects, list) else []


def write_state(cluster: Cluster, path: Path) -> None:
    """Write every object to `path` atomically (temp file + rename)."""
    objects = [obj for _, obj in cluster.store.all_objects()]
    payload = json.dumps({"version": _STATE_VERSION, "objects": objects}, separators=(",", ":"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateWriter:
    """Writes the state file at most every `delay` seconds after a change, and on stop."""

    def __init__(self, cluster: Cluster, path: Path, *, delay: float = 0.5) -> None:
        self._cluster = cluster
        self._path = Path(path)
        self._delay = delay
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kubesim-state", daemon=True)

    def start(self) -> None:
        self._cluster.store.listeners.append(self._dirty.set)
        write_state(self._cluster, self._path)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._dirty.wait()
            if self._stopping.wait(self._delay):
                break
            self._dirty.clear()
            write_state(self._cluster, self._path)

    def stop(self) -> None:
        self._stopping.set()
        self._dirty.set()
        self._thread.join(timeout=5)
        write_state(self._cluster, self._path)
