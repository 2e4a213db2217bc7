"""Loading and saving cluster state: `kubectl get -o yaml` dumps (multi-document YAML,
JSON, `kind: List`) served exactly as given, and the `--state` file: a snapshot plus a
journal of every change since, read back on the next start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import yaml

from auditor.kubesim.objects import clone, meta
from auditor.kubesim.store import Event

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


def _journals(path: Path) -> list[tuple[int, Path]]:
    """The journal files of the state file `path`, oldest first."""
    found = []
    for candidate in path.parent.glob(f"{path.name}.journal.*"):
        generation = candidate.name.rsplit(".", 1)[1]
        if generation.isdigit():
            found.append((int(generation), candidate))
    return sorted(found)


def _identity(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    m = obj.get("metadata") or {}
    return group, str(obj.get("kind", "")), str(m.get("namespace", "")), str(m.get("name", ""))


def read_state(path: Path | None) -> list[dict[str, Any]] | None:
    """The objects of the state file and its journals: the snapshot, then every change
    journalled since it, in order. None when there is no state yet."""
    if path is None:
        return None
    path = Path(path)
    journals = _journals(path)
    if not path.exists() and not journals:
        return None
    covered = 0  # journals older than this are in the snapshot
    objects: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    if path.exists():
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise ValueError(f"{path}: not a kubesim state file")
        covered = int(data.get("journal", 0))
        for obj in data.get("objects") or []:
            objects[_identity(obj)] = obj
    for generation, journal in journals:
        if generation < covered:
            continue
        for line in journal.read_bytes().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                break  # a line cut short by a kill: its write was never answered
            if entry["type"] == "DELETED":
                objects.pop(_identity(entry["obj"]), None)
            else:
                objects[_identity(entry["obj"])] = entry["obj"]
    return list(objects.values())


def _write_snapshot(objects: list[dict[str, Any]], path: Path, *, journal: int) -> None:
    """Write the objects to `path` atomically (temp file + rename)."""
    payload = json.dumps(
        {"version": _STATE_VERSION, "journal": journal, "objects": objects},
        separators=(",", ":"),
    )
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
    """Keeps the `--state` file: every change is appended to a journal before the request
    that made it is answered (so an acknowledged write survives a kill -9 of kubesim; not
    a machine crash, as nothing is fsynced), and at most every `delay` seconds after a
    change, and on stop, the whole state is written as a snapshot and the journals it
    covers are removed."""

    def __init__(self, cluster: Cluster, path: Path, *, delay: float = 0.5) -> None:
        self._cluster = cluster
        self._path = Path(path)
        self._delay = delay
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kubesim-state", daemon=True)
        existing = _journals(self._path)
        self._generation = existing[-1][0] + 1 if existing else 1
        self._journal: BinaryIO | None = None

    def start(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._cluster.store.lock:
            self._cluster.store.listeners.append(self._append)
        self.snapshot()
        self._thread.start()

    def _append(self, event: Event) -> None:
        if self._journal is None:
            return
        self._journal.write(b'{"type":"%s","obj":%s}\n' % (event.type.encode(), event.obj.json()))
        self._dirty.set()

    def snapshot(self) -> None:
        """Start a new journal and write the state as of its start."""
        store = self._cluster.store
        with store.lock:
            if self._journal is not None:
                self._journal.close()
            generation = self._generation
            self._generation += 1
            journal = self._path.with_name(f"{self._path.name}.journal.{generation}")
            self._journal = journal.open("ab", buffering=0)  # one write call a change
            objects = [obj for _, obj in store.all_objects()]
        _write_snapshot(objects, self._path, journal=generation)
        for older, old in _journals(self._path):
            if older < generation:
                old.unlink(missing_ok=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._dirty.wait()
            if self._stopping.wait(self._delay):
                break
            self._dirty.clear()
            self.snapshot()

    def stop(self) -> None:
        self._stopping.set()
        self._dirty.set()
        self._thread.join(timeout=5)
        self.snapshot()
        with self._cluster.store.lock:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
        for _, journal in _journals(self._path):
            if journal.stat().st_size == 0:
                journal.unlink()  # started by the last snapshot, never written to
