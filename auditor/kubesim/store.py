"""The object store: objects by (group, resource, namespace, name), one resourceVersion
counter for the whole server, and a bounded event history that watches read from.

Stored dicts are never mutated in place (writers store new dicts), so readers may share
them; each entry caches its JSON encoding. One re-entrant lock guards everything.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

ResKey = tuple[str, str]  # (group, plural): version-independent
ObjKey = tuple[str, str]  # (namespace, name)


class Stored:
    """One stored object with its cached JSON bytes."""

    __slots__ = ("obj", "_json")

    def __init__(self, obj: dict[str, Any]) -> None:
        self.obj = obj
        self._json: bytes | None = None

    def json(self) -> bytes:
        if self._json is None:
            self._json = json.dumps(self.obj, separators=(",", ":")).encode()
        return self._json


@dataclass(frozen=True)
class Event:
    rv: int
    res: ResKey
    type: str  # ADDED, MODIFIED, DELETED
    obj: Stored


class Store:
    """Objects and their history; `lock`/`changed` let watchers wait for new events."""

    def __init__(self, *, history: int = 20000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[ResKey, dict[ObjKey, Stored]] = {}
        self._events: deque[Event] = deque(maxlen=history)
        self._rv = 0
        self._oldest = 1
        self.closed = False
        self.listeners: list[Callable[[Event], None]] = []

    @property
    def resource_version(self) -> int:
        return self._rv

    def next_rv(self) -> int:
        with self.lock:
            self._rv += 1
            return self._rv

    def observe_rv(self, rv: int) -> None:
        """Keep the counter ahead of versions loaded from a dump."""
        with self.lock:
            self._rv = max(self._rv, rv)

    def get(self, res: ResKey, ns: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            entry = self._objects.get(res, {}).get((ns, name))
            return entry.obj if entry else None

    def put(self, res: ResKey, obj: dict[str, Any], *, event: str, rv: int) -> None:
        meta = obj["metadata"]
        entry = Stored(obj)
        with self.lock:
            self._objects.setdefault(res, {})[(meta.get("namespace", ""), meta["name"])] = entry
            self._record(Event(rv, res, event, entry))

    def remove(self, res: ResKey, obj: dict[str, Any], *, rv: int) -> None:
        meta = obj["metadata"]
        with self.lock:
            self._objects.get(res, {}).pop((meta.get("namespace", ""), meta["name"]), None)
            self._record(Event(rv, res, "DELETED", Stored(obj)))

    def _record(self, event: Event) -> None:
        if len(self._events) == self._events.maxlen and self._events:
            self._oldest = self._events[0].rv + 1
        self._events.append(event)
        self.changed.notify_all()
        for listener in self.listeners:
            listener(event)  # under the lock, before the write is answered

    def items(self, res: ResKey, ns: str | None = None) -> list[Stored]:
        """Objects of one resource (optionally one namespace), sorted by namespace/name."""
        with self.lock:
            bucket = self._objects.get(res, {})
            keys = sorted(k for k in bucket if ns is None or k[0] == ns)
            return [bucket[k] for k in keys]

    def resources(self) -> list[ResKey]:
        with self.lock:
            return [r for r, bucket in self._objects.items() if bucket]

    def all_objects(self) -> Iterator[tuple[ResKey, dict[str, Any]]]:
        with self.lock:
            snapshot = [(r, e.obj) for r, bucket in self._objects.items() for e in bucket.values()]
        yield from snapshot

    def count(self) -> int:
        with self.lock:
            return sum(len(b) for b in self._objects.values())

    def events_since(self, res: ResKey, rv: int) -> list[Event] | None:
        """Events of `res` after `rv`; None when `rv` is older than the kept history."""
        with self.lock:
            if rv + 1 < self._oldest:
                return None
            out = []
            for e in reversed(self._events):
                if e.rv <= rv:
                    break
                if e.res == res:
                    out.append(e)
            out.reverse()
            return out

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.changed.notify_all()
