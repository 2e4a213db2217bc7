"""The render cache: raw renders keyed by repo, commit, path and options, in memory and on disk.

Owned by `renderer.py`. Disk entries are JSON files written atomically (temp file then
rename), so concurrent processes sharing `cache_dir` never read a partial entry; an
unreadable entry is a miss. Only deterministic results are ever stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from auditor import jsonio
from auditor.codeversion import code_digest
from auditor.model import App, SourceLocation
from auditor.render.documents import Manifest, RawRender

# Bump whenever the output of a render for the same inputs may change.
RENDERER_VERSION = "2"
_MEMORY_ENTRIES = 256


def cache_key(app: App, *, revision: str, context: Mapping[str, Any] | None = None) -> str:
    """A stable hash of everything a render depends on, besides the tree at `revision`
    (`context`: the destination's capabilities and ref sources' revisions)."""
    material = {
        "context": context or {},
        "renderer": RENDERER_VERSION,
        # The code that renders: an upgrade (or an edit) never serves an older render.
        "code": code_digest("auditor.render", "auditor.manifests", "auditor.model"),
        "repo": app.source.repo_url,
        "revision": revision,
        "path": app.source.path,
        "chart": app.source.chart,
        "directory": _plain(app.source.directory),
        "kustomize": _plain(app.source.kustomize),
        "helm": _plain(app.source.helm),
        "namespace": app.destination.namespace,
        # Helm's default release name is the app name.
        "app": app.name,
    }
    text = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


class RenderCache:
    """A bounded in-memory LRU in front of an optional directory of JSON entries."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._memory: OrderedDict[str, RawRender] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> RawRender | None:
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None:
                self._memory.move_to_end(key)
                return hit
        loaded = self._read(key)
        if loaded is not None:
            self._remember(key, loaded)
        return loaded

    def put(self, key: str, raw: RawRender) -> None:
        if raw.error is not None and not raw.deterministic:
            return
        self._remember(key, raw)
        self._write(key, raw)

    def _remember(self, key: str, raw: RawRender) -> None:
        with self._lock:
            self._memory[key] = raw
            self._memory.move_to_end(key)
            while len(self._memory) > _MEMORY_ENTRIES:
                self._memory.popitem(last=False)

    def _entry(self, key: str) -> Path | None:
        return None if self._directory is None else self._directory / key[:2] / f"{key}.json"

    def _read(self, key: str) -> RawRender | None:
        entry = self._entry(key)
        if entry is None:
            return None
        try:
            data = jsonio.loads(entry.read_bytes())
            return _decode(data, key=key)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write(self, key: str, raw: RawRender) -> None:
        entry = self._entry(key)
        if entry is None:
            return
        try:
            data = jsonio.dumps(_encode(raw, key=key))
        except TypeError:  # a value JSON cannot hold: not kept on disk
            return
        jsonio.write_atomic(entry, data)


def _encode(raw: RawRender, *, key: str) -> dict[str, Any]:
    return {
        "version": RENDERER_VERSION,
        "key": key,
        "manifests": [
            {"body": m.body, "path": m.source.path, "line": m.source.line} for m in raw.manifests
        ],
        "notes": list(raw.notes),
        "error": raw.error,
    }


def _decode(data: Mapping[str, Any], *, key: str) -> RawRender | None:
    if data.get("version") != RENDERER_VERSION or data.get("key") != key:
        return None
    manifests = tuple(
        Manifest(body=m["body"], source=SourceLocation(str(m["path"]), int(m["line"])))
        for m in data["manifests"]
    )
    error = data.get("error")
    return RawRender(
        manifests=manifests,
        notes=tuple(str(n) for n in data["notes"]),
        error=str(error) if error is not None else None,
    )
