"""Server-side apply and update ownership: structured merge, pruning, conflicts.

`apply()` merges an applied configuration into the live object, drops fields the manager
applied before and no longer applies (unless someone else owns them), and raises
`ApplyConflict` for fields other managers own with different values unless forced.
`record_update()` hands changed fields to the writer of a non-apply write.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from auditor.kubemeta.fieldpath import FieldSet, path_string
from auditor.kubemeta.fieldwalk import (
    MISSING,
    compare,
    get_path,
    index_items,
    item_pe,
    remove_path,
    shape,
    to_field_set,
)
from auditor.kubemeta.managed import APPLY, UPDATE, ManagerEntry, strip_meta
from auditor.kubemeta.schema import Node
from auditor.kubesim.resources import ResourceType

FieldFilter = Callable[[FieldSet], FieldSet]


class ApplyConflict(Exception):
    """Fields owned by other managers would change; `conflicts` is [(manager, path)]."""

    def __init__(self, conflicts: list[tuple[ManagerEntry, tuple[str, ...]]]) -> None:
        self.conflicts = conflicts
        super().__init__(self.message())

    def message(self) -> str:
        if len(self.conflicts) == 1:
            entry, path = self.conflicts[0]
            return (
                f"Apply failed with 1 conflict: conflict with {entry.describe()}: "
                f"{path_string(path)}"
            )
        by_manager: dict[str, list[str]] = {}
        for entry, path in self.conflicts:
            by_manager.setdefault(entry.describe(), []).append(path_string(path))
        lines = []
        for name in sorted(by_manager):
            lines.append(f"conflicts with {name}:")
            lines.extend(f"- {p}" for p in by_manager[name])
        return f"Apply failed with {len(self.conflicts)} conflicts: " + "\n".join(lines)

    def causes(self) -> list[dict[str, str]]:
        return [
            {
                "reason": "FieldManagerConflict",
                "message": f"conflict with {entry.describe()}",
                "field": path_string(path),
            }
            for entry, path in self.conflicts
        ]


def merge(lhs: Any, rhs: Any, node: Node | None) -> Any:
    """Structured merge of `rhs` (applied) into `lhs` (live); inputs are not modified."""
    if rhs is MISSING:
        return copy.deepcopy(lhs)
    if lhs is MISSING or lhs is None or rhs is None:
        return copy.deepcopy(rhs)
    s = shape(node, rhs)
    if s == "fields" and isinstance(lhs, dict) and isinstance(rhs, dict):
        out = dict(lhs)
        for key, val in rhs.items():
            child = node.field(key) if node is not None else None
            out[key] = merge(lhs.get(key, MISSING), val, child)
        return out
    if s == "assoc" and isinstance(lhs, list) and isinstance(rhs, list):
        return _merge_list(lhs, rhs, node)
    return copy.deepcopy(rhs)


def _merge_list(lhs: list[Any], rhs: list[Any], node: Node | None) -> list[Any]:
    elem = node.element() if node is not None else None
    lpes = [item_pe(node, x, i) for i, x in enumerate(lhs)]
    rpes = [item_pe(node, x, i) for i, x in enumerate(rhs)]
    lmap, rmap = index_items(node, lhs), index_items(node, rhs)
    shared = [pe for pe in rpes if pe in lmap]
    out: list[Any] = []
    done: set[str] = set()
    li = ri = 0
    while li < len(lpes) or ri < len(rpes):
        if li < len(lpes) and ri < len(rpes) and lpes[li] == rpes[ri]:
            pe = lpes[li]
            out.append(merge(lmap[pe], rmap[pe], elem))
            done.add(pe)
            shared = [s for s in shared if s != pe]
            li += 1
            ri += 1
            continue
        if li < len(lpes):
            pe = lpes[li]
            if pe not in rmap:
                out.append(copy.deepcopy(lhs[li]))
                li += 1
                continue
            if pe in done or (shared and shared[0] != pe):
                li += 1
                continue
        if ri < len(rpes):
            pe = rpes[ri]
            if pe not in done:
                out.append(merge(lmap.get(pe, MISSING), rmap[pe], elem))
                done.add(pe)
            shared = [s for s in shared if s != pe]
            ri += 1
        elif li < len(lpes):
            li += 1
    return out


def _entry(entries: list[ManagerEntry], key: tuple[str, str, str, str]) -> ManagerEntry | None:
    return next((e for e in entries if e.key == key), None)


def apply(
    live: dict[str, Any],
    config: dict[str, Any],
    *,
    node: Node,
    entries: list[ManagerEntry],
    manager: str,
    api_version: str,
    force: bool,
    now: str,
    subresource: str = "",
    keep: FieldFilter = lambda fs: fs,
) -> tuple[dict[str, Any], list[ManagerEntry]]:
    """Server-side apply of `config` by `manager`; returns the new object and entries."""
    merged = merge(live, config, node)
    applied = keep(strip_meta(to_field_set(config, node)))
    me = ManagerEntry(manager, APPLY, api_version, applied, subresource, now)
    last = _entry(entries, me.key)
    others = [e for e in entries if e.key != me.key]
    if last is not None:
        owned = applied
        for e in others:
            owned = owned.union(e.fields)
        _prune(merged, last.fields.difference(applied), owned, node)
    cmp = compare(live, merged, node)
    if last is not None and last.fields == applied and merged == live:
        me.time = last.time  # a no-op apply changes nothing, not even the timestamp
    changed = keep(strip_meta(cmp.changed()))
    removed = keep(strip_meta(cmp.removed))
    conflicts: list[tuple[ManagerEntry, tuple[str, ...]]] = []
    for e in others:
        conflicts.extend((e, p) for p in e.fields.intersection(changed).paths())
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    kept = []
    for e in others:
        e2 = ManagerEntry(
            e.manager,
            e.operation,
            e.api_version,
            e.fields.difference(changed).difference(removed),
            e.subresource,
            e.time,
        )
        if not e2.fields.empty():
            kept.append(e2)
    return merged, [*kept, me]


def _prune(obj: dict[str, Any], gone: FieldSet, owned: FieldSet, node: Node) -> None:
    paths = set(gone.paths())
    # A field inside an item or map that goes away whole goes with it: removing the
    # item's key field first would leave a keyless item behind that nothing can find.
    whole = {p for p in paths if not owned.has_prefix(p)}
    for path in sorted(paths, key=len, reverse=True):
        if owned.has_prefix(path) or any(path[:i] in whole for i in range(1, len(path))):
            continue
        remove_path(obj, path, node)
        # Drop containers left empty by the removal unless someone owns something there.
        parent = path[:-1]
        while parent and not owned.has_prefix(parent):
            value = get_path(obj, parent, node)
            if value in ({}, []):
                remove_path(obj, parent, node)
                parent = parent[:-1]
            else:
                break


def record_update(
    live: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    node: Node,
    entries: list[ManagerEntry],
    manager: str,
    api_version: str,
    now: str,
    subresource: str = "",
    keep: FieldFilter = lambda fs: fs,
) -> list[ManagerEntry]:
    """Ownership after a create/update/patch by `manager`: it takes every field it changed."""
    base: Any = live if live is not None else _zero(node)
    cmp = compare(base, new, node)
    changed = keep(strip_meta(cmp.changed()))
    removed = keep(strip_meta(cmp.removed))
    key = (manager, UPDATE, api_version, subresource)
    out: list[ManagerEntry] = []
    mine: ManagerEntry | None = None
    for e in entries:
        fields = e.fields.difference(removed)
        if e.key == key:
            mine = ManagerEntry(
                e.manager, e.operation, e.api_version, fields, e.subresource, e.time
            )
            continue
        fields = fields.difference(changed)
        if not fields.empty():
            out.append(
                ManagerEntry(e.manager, e.operation, e.api_version, fields, e.subresource, e.time)
            )
    if mine is None:
        mine = ManagerEntry(manager, UPDATE, api_version, FieldSet(), subresource, now)
    if not changed.empty():
        mine.fields = mine.fields.union(changed)
        mine.time = now
    if not mine.fields.empty():
        out.append(mine)
    return out


# Go struct fields that are values, not pointers: a zero object serialises them as `{}`,
# so creating an object does not "add" them (no `.` entry in the creator's fieldsV1).
_VALUE_STRUCTS = ("metadata", "spec", "status", "template", "strategy", "updateStrategy")


def _zero(node: Node) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.has_field("containers"):
        out["containers"] = None  # `json:"containers"`: a nil slice serialises as null
    for name in _VALUE_STRUCTS:
        child = node.field(name) if node.has_field(name) else None
        if child is not None and child.kind == "struct":
            out[name] = _zero(child)
    return out


def keep_for(rt: ResourceType, subresource: str) -> Callable[[FieldSet], FieldSet]:
    if subresource == "status":
        return lambda fs: _only_under(fs, ("f:status",))
    if subresource == "scale":
        return lambda fs: _only_under(fs, ("f:spec", "f:replicas"))
    if "status" in rt.subresources and rt.kind != "CustomResourceDefinition":
        return lambda fs: fs.without_prefixes([("f:status",)])
    return lambda fs: fs


def _only_under(fs: FieldSet, path: tuple[str, ...]) -> FieldSet:
    keep = FieldSet()
    node: FieldSet | None = fs
    for pe in path[:-1]:
        node = node.children.get(pe) if node else None
    if node is None:
        return keep
    target = keep
    for pe in path[:-1]:
        target = target.children.setdefault(pe, FieldSet())
    if path[-1] in node.members:
        target.members.add(path[-1])
    if path[-1] in node.children:
        target.children[path[-1]] = node.children[path[-1]].copy()
    return keep
