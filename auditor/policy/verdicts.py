"""Each resource's final policy results (violations after exceptions and waivers), kept
between runs in one file per policy set: a warm run in a new process reads one file and
decodes only what it uses, instead of a cache shelf per app and every outcome on it.

A verdict is keyed by everything it depends on (the runner's memo key: the shelves, so
the policy set and the app context; the resource's content hash, key and source; the
app; the day, for waivers' expiry). Only the day's verdicts are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from auditor import jsonio
from auditor.codeversion import code_digest
from auditor.model import ResourceKey, SourceLocation, Violation

VERSION = "1"
_LIMIT = 500_000


def _version() -> str:
    """The file's format and the code that made its verdicts (an upgrade starts anew)."""
    return f"{VERSION}-{code_digest('auditor.policy', 'auditor.model')}"


class Verdicts:
    """Verdicts by key under `directory` (None: in memory only)."""

    def __init__(self, directory: Path | None, *, policies: str) -> None:
        self._path = directory / f"verdicts-{policies[:24]}.json" if directory else None
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] | None = None
        self._kept: dict[str, Any] = {}
        self._changed = False

    def get(self, key: str, *, today: date) -> tuple[Violation, ...] | None:
        with self._lock:
            raw = self._load().get(key)
        if not isinstance(raw, dict) or raw.get("d") != today.isoformat():
            return None
        try:
            found = tuple(_decode(v) for v in raw["v"])
        except (KeyError, TypeError, ValueError):
            return None
        with self._lock:
            self._kept[key] = raw
        return found

    def put(self, key: str, violations: Sequence[Violation], *, today: date) -> None:
        encoded = [_encode(v) for v in violations]
        if any(e is None for e in encoded):
            return  # a detail JSON cannot hold: evaluated again next time
        with self._lock:
            self._kept[key] = {"d": today.isoformat(), "v": encoded}
            self._changed = True

    def flush(self, *, today: date) -> None:
        """Keep today's verdicts: those used or made here, and those of other runs."""
        with self._lock:
            if not self._changed or self._path is None:
                return
            day = today.isoformat()
            others = {
                k: v
                for k, v in self._load().items()
                if isinstance(v, dict) and v.get("d") == day and k not in self._kept
            }
            entries = {**others, **self._kept}
            if len(entries) > _LIMIT:
                entries = dict(self._kept)
            self._loaded = entries
            self._changed = False
            data = jsonio.dumps({"version": _version(), "verdicts": entries})
        jsonio.write_atomic(self._path, data)

    def _load(self) -> dict[str, Any]:
        if self._loaded is None:
            self._loaded = {}
            if self._path is not None:
                data = jsonio.read_file(self._path)
                if isinstance(data, dict) and data.get("version") == _version():
                    found = data.get("verdicts")
                    self._loaded = found if isinstance(found, dict) else {}
        return self._loaded


def _encode(violation: Violation) -> dict[str, Any] | None:
    """A violation as JSON, or None when it would not read back equal."""
    r, src = violation.resource, violation.source
    out = {
        "p": violation.policy,
        "s": violation.severity,
        "m": violation.message,
        "r": [r.group, r.kind, r.namespace, r.name] if r else None,
        "a": violation.app,
        "x": dict(violation.details),
        "l": [src.path, src.line] if src else None,
        "w": violation.waived,
        "y": violation.waiver_reason,
    }
    try:
        same = _decode(jsonio.loads(jsonio.dumps(out))) == violation
    except (TypeError, ValueError):
        return None
    return out if same else None


def _decode(raw: dict[str, Any]) -> Violation:
    resource, source = raw["r"], raw["l"]
    return Violation(
        policy=raw["p"],
        severity=raw["s"],
        message=raw["m"],
        resource=ResourceKey(*resource) if resource else None,
        app=raw["a"],
        details=raw["x"],
        source=SourceLocation(*source) if source else None,
        waived=raw["w"],
        waiver_reason=raw["y"],
    )
