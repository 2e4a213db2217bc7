"""The desired-vs-live walk: drift (Git's fields, removed fields) and unmanaged changes.

Walks the normalized desired object against the normalized live one under the schema.
Fields Git sets are compared (list maps by merge key, atomic lists by position); fields
only live are drift when Git used to set them (last-applied annotation, or Apply-owned by
one of our managers) and unmanaged changes when only humans wrote them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.diff.defaults import is_default
from auditor.diff.managed import Ownership
from auditor.diff.options import DiffOptions
from auditor.diff.paths import MISSING, Field, Index, Key, Path, key_of
from auditor.diff.schema import ListShape, child, element, list_shape
from auditor.diff.values import IDENTITY, is_empty, scalars_equal, values_equal
from auditor.kubemeta.schema import Node


@dataclass(frozen=True)
class Change:
    """A drifted field before masking: Git wants `desired`, live has `live` (None = absent)."""

    path: Path
    desired: Any
    live: Any


@dataclass(frozen=True)
class Unmanaged:
    path: Path
    live: Any
    manager: str
    time: str


@dataclass
class Findings:
    changes: list[Change] = field(default_factory=list)
    unmanaged: list[Unmanaged] = field(default_factory=list)


def compare(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    last_applied: Mapping[str, Any] | None,
    node: Node | None,
    ownership: Ownership,
    options: DiffOptions,
) -> Findings:
    """Drift and unmanaged changes of `live` against `desired` (both normalized)."""
    walker = _Walker(ownership=ownership, options=options, kind=str(live.get("kind") or ""))
    la = last_applied if last_applied is not None else MISSING
    walker.value(desired, live, la, node, ())
    return walker.found


def _get(container: Any, name: str) -> Any:
    return container.get(name, MISSING) if isinstance(container, Mapping) else MISSING


def _index(items: Any, shape: ListShape) -> dict[Key, Any]:
    if not isinstance(items, list):
        return {}
    out: dict[Key, Any] = {}
    for item in items:
        if isinstance(item, Mapping):
            out.setdefault(key_of(item, shape.keys), item)
    return out


class _Walker:
    def __init__(self, *, ownership: Ownership, options: DiffOptions, kind: str) -> None:
        self.kind = kind
        self.own = ownership
        self.options = options
        self.found = Findings()

    # --- fields Git sets -------------------------------------------------------------
    def value(
        self,
        d: Any,
        live: Any,
        la: Any,
        node: Node | None,
        path: Path,
        *,
        atomic: bool = False,
        keys: Sequence[str] = (),
    ) -> None:
        if path in IDENTITY:
            return
        if isinstance(d, Mapping):
            if not isinstance(live, Mapping):
                if not (is_empty(d) and is_empty(live)):
                    self._change(path, d, live)
                return
            self._map(d, live, la, node, path, atomic=atomic, keys=keys)
        elif isinstance(d, list):
            if not isinstance(live, list):
                if not (is_empty(d) and is_empty(live)):
                    self._change(path, d, live)
                return
            shape = list_shape(node, d, live)
            if atomic or shape.mode == "atomic":
                self._atomic(d, live, node, path)
            elif shape.mode == "set":
                self._set(d, live, la, path)
            else:
                self._keyed(d, live, la, node, path, shape)
        elif not scalars_equal(d, live, node=node):
            self._change(path, d, live)

    def _map(
        self,
        d: Mapping[str, Any],
        live: Mapping[str, Any],
        la: Any,
        node: Node | None,
        path: Path,
        *,
        atomic: bool,
        keys: Sequence[str],
    ) -> None:
        for name, dv in d.items():
            sub = (*path, Field(name))
            lv = live.get(name, MISSING)
            if dv is None:
                if not atomic:
                    self.absent(lv, _get(la, name), child(node, name), sub)
            elif is_empty(lv):
                if not is_empty(dv) and sub not in IDENTITY:
                    self._change(sub, dv, None)
            else:
                self.value(dv, lv, _get(la, name), child(node, name), sub, atomic=atomic)
        if atomic:
            return
        for name, lv in live.items():
            if name not in d and name not in keys:
                self.absent(lv, _get(la, name), child(node, name), (*path, Field(name)))

    def _atomic(self, d: list[Any], live: list[Any], node: Node | None, path: Path) -> None:
        elem = element(node)
        if len(d) != len(live):
            if not values_equal(d, live, node=node):
                self._change(path, d, live)
            return
        for i, (dv, lv) in enumerate(zip(d, live, strict=True)):
            self.value(dv, lv, MISSING, elem, (*path, Index(i)), atomic=True)

    def _set(self, d: list[Any], live: list[Any], la: Any, path: Path) -> None:
        wanted = [v for v in d if v not in live]
        dropped = [v for v in live if v not in d and isinstance(la, list) and v in la]
        if wanted or dropped:
            self._change(path, d, live)

    def _keyed(
        self,
        d: list[Any],
        live: list[Any],
        la: Any,
        node: Node | None,
        path: Path,
        shape: ListShape,
    ) -> None:
        elem = element(node)
        live_index = _index(live, shape)
        la_index = _index(la, shape)
        seen: set[Key] = set()
        for item in d:
            if not isinstance(item, Mapping):
                continue
            key = key_of(item, shape.keys)
            if key in seen:
                continue
            seen.add(key)
            lv = live_index.get(key, MISSING)
            if lv is MISSING:
                self._change((*path, key), item, None)
            else:
                la_item = la_index.get(key, MISSING)
                self.value(item, lv, la_item, elem, (*path, key), keys=shape.keys)
        for key, lv in live_index.items():
            if key not in seen:
                self.absent(lv, la_index.get(key, MISSING), elem, (*path, key))

    # --- fields only live ---------------------------------------------------------------
    def absent(self, live: Any, la: Any, node: Node | None, path: Path) -> bool:
        """Handle a live value Git does not set; True when reported removed as a whole."""
        if path in IDENTITY or is_empty(live) or is_default(path, live, kind=self.kind):
            return False
        own = self.options.own_managers
        split = isinstance(live, Mapping) and isinstance(la, Mapping)
        shape = list_shape(node, live) if isinstance(live, list) else None
        keyed = shape is not None and shape.mode == "map" and isinstance(la, list)
        if self.own.applied(path, own) or (not is_empty(la) and not split and not keyed):
            self._change(path, None, live)
            return True
        deeper = not is_empty(la) or self.own.applied(path, own, below=True)
        owners = self.own.managers(path)
        humans = {m for m in owners if not self.options.is_machine(m)}
        by_entry = shape is not None and shape.mode == "map"  # report keyed entries, not lists
        if humans and humans == owners and not deeper and not by_entry:
            if self._granular(live, path, humans):
                # A map someone filled field by field (labels added to an object that had
                # none): one finding per field, as when the map already existed.
                return self._absent_map(live, la, node, path)
            owner = self.own.owner(path, among=humans)
            self.found.unmanaged.append(Unmanaged(path, live, owner.manager, owner.time))
            return False
        if not (deeper or humans):
            return False
        if isinstance(live, Mapping):
            return self._absent_map(live, la, node, path)
        if shape is not None and shape.mode == "map":
            la_index = _index(la, shape)
            for key, lv in _index(live, shape).items():
                self.absent(lv, la_index.get(key, MISSING), element(node), (*path, key))
        return False

    def _granular(self, live: Any, path: Path, managers: set[str]) -> bool:
        """Whether `live` is a map field its managers own field by field (not a list
        entry, which is reported whole, and not an atomic value)."""
        return (
            isinstance(live, Mapping)
            and bool(path)
            and isinstance(path[-1], Field)
            and not self.own.owns_whole(path, managers)
        )

    def _absent_map(self, live: Mapping[str, Any], la: Any, node: Node | None, path: Path) -> bool:
        mark = len(self.found.changes)
        marks = len(self.found.unmanaged)
        results = [
            self.absent(lv, _get(la, name), child(node, name), (*path, Field(name)))
            for name, lv in live.items()
            if not is_empty(lv)
        ]
        if results and all(results) and len(self.found.unmanaged) == marks:
            del self.found.changes[mark:]
            self._change(path, None, live)
            return True
        return False

    def _change(self, path: Path, desired: Any, live: Any) -> None:
        self.found.changes.append(Change(path, desired, None if live is MISSING else live))
