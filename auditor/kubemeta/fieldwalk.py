"""Schema-aware walks over objects: the field set of a value, and old/new comparison.

These follow structured-merge-diff: `to_field_set` is what an applier owns, `compare` gives
the added/modified/removed fields an update hands to its manager. Fields a schema does not
describe are typed by deduction (maps granular, lists atomic).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from auditor.kubemeta.fieldpath import FieldSet, field_pe, key_pe, value_pe
from auditor.kubemeta.schema import Node


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()
# Defaults of list-map key fields (the definitions we load carry no `default`).
KEY_DEFAULTS: Final[Mapping[str, Any]] = {"protocol": "TCP"}


def shape(node: Node | None, value: Any) -> str:
    """`leaf`, `atomic`, `fields` (struct or granular map), `assoc` (map/set list)."""
    kind = node.kind if node is not None else "any"
    if kind == "any":
        if isinstance(value, dict):
            return "fields"
        return "atomic" if isinstance(value, list) else "leaf"
    if kind == "scalar":
        return "leaf"
    if kind == "list":
        assert node is not None
        return "atomic" if node.list_type == "atomic" else "assoc"
    assert node is not None
    return "atomic" if node.map_atomic else "fields"


def item_pe(node: Node | None, item: Any, index: int) -> str:
    """The path element of a list item: `k:` for map lists, `v:` for sets, else `i:`."""
    if node is not None and node.list_type == "map" and isinstance(item, dict):
        keys = node.list_keys
        keyed = dict(item)
        for k in keys:
            if k not in keyed and k in KEY_DEFAULTS:
                keyed[k] = KEY_DEFAULTS[k]
        return key_pe(keyed, keys)
    if node is not None and node.list_type == "set":
        return value_pe(item)
    return f"i:{index}"


def index_items(node: Node | None, items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(items, list):
        for i, item in enumerate(items):
            out.setdefault(item_pe(node, item, i), item)
    return out


def _child(node: Node | None, key: str) -> Node | None:
    return node.field(key) if node is not None else None


def _elem(node: Node | None) -> Node | None:
    return node.element() if node is not None else None


def to_field_set(value: Any, node: Node | None) -> FieldSet:
    """The fields set in `value` (an applied configuration), as SSA records them."""
    out = FieldSet()
    _collect(value, node, (), out)
    return out


def _collect(value: Any, node: Node | None, path: tuple[str, ...], out: FieldSet) -> None:
    s = shape(node, value)
    if s == "leaf" or s == "atomic" or value is None:
        if path:
            out.insert(path)
        return
    if s == "assoc":
        if not isinstance(value, list):
            if path:
                out.insert(path)
            return
        elem = _elem(node)
        for i, item in enumerate(value):
            sub = (*path, item_pe(node, item, i))
            _collect(item, elem, sub, out)
            out.insert(sub)
        return
    if not isinstance(value, dict):
        if path:
            out.insert(path)
        return
    for key, val in value.items():
        sub = (*path, field_pe(key))
        _collect(val, _child(node, key), sub, out)
        declared = node is not None and node.has_field(key)
        if val is None or val == {} or not declared:
            out.insert(sub)


@dataclass
class Comparison:
    added: FieldSet = field(default_factory=FieldSet)
    modified: FieldSet = field(default_factory=FieldSet)
    removed: FieldSet = field(default_factory=FieldSet)

    def changed(self) -> FieldSet:
        return self.added.union(self.modified)


def compare(lhs: Any, rhs: Any, node: Node | None) -> Comparison:
    """Fields added, modified and removed going from `lhs` to `rhs`."""
    out = Comparison()
    _compare(lhs, rhs, node, (), out)
    return out


def _leaf(lhs: Any, rhs: Any, path: tuple[str, ...], out: Comparison) -> None:
    if lhs is MISSING:
        out.added.insert(path)
    elif rhs is MISSING:
        out.removed.insert(path)
    elif lhs != rhs or type(lhs) is not type(rhs):
        out.modified.insert(path)


def _compare(lhs: Any, rhs: Any, node: Node | None, path: tuple[str, ...], out: Comparison) -> None:
    present = rhs if rhs is not MISSING else lhs
    s = shape(node, present)
    if s in ("leaf", "atomic"):
        if path:
            _leaf(lhs, rhs, path, out)
        return
    lv = None if lhs is MISSING else lhs
    rv = None if rhs is MISSING else rhs
    container = list if s == "assoc" else dict
    if (lv is not None and not isinstance(lv, container)) or (
        rv is not None and not isinstance(rv, container)
    ):
        if path:
            _leaf(lhs, rhs, path, out)
        return
    if not lv and not rv:
        if path:
            _leaf(lhs, rhs, path, out)
        return
    if s == "assoc":
        elem = _elem(node)
        li, ri = index_items(node, lv), index_items(node, rv)
        for pe in {**li, **ri}:
            _compare(li.get(pe, MISSING), ri.get(pe, MISSING), elem, (*path, pe), out)
    else:
        ld: dict[str, Any] = lv if isinstance(lv, dict) else {}
        rd: dict[str, Any] = rv if isinstance(rv, dict) else {}
        for key in {**ld, **rd}:
            _compare(
                ld.get(key, MISSING),
                rd.get(key, MISSING),
                _child(node, key),
                (*path, field_pe(key)),
                out,
            )
    if path:
        if lhs is MISSING:
            out.added.insert(path)
        elif rhs is MISSING:
            out.removed.insert(path)


def remove_path(obj: Any, path: tuple[str, ...], node: Node | None) -> None:
    """Delete the value at `path` (field or list item) from `obj`, in place."""
    if not path:
        return
    target: Any = obj
    cur = node
    for pe in path[:-1]:
        target, cur = _step(target, pe, cur)
        if target is None:
            return
    last = path[-1]
    if last.startswith("f:") and isinstance(target, dict):
        target.pop(last[2:], None)
    elif isinstance(target, list):
        for i, item in enumerate(target):
            if item_pe(cur, item, i) == last:
                del target[i]
                return


def get_path(obj: Any, path: tuple[str, ...], node: Node | None) -> Any:
    target: Any = obj
    cur = node
    for pe in path:
        target, cur = _step(target, pe, cur)
        if target is None:
            return None
    return target


def _step(target: Any, pe: str, node: Node | None) -> tuple[Any, Node | None]:
    if pe.startswith("f:"):
        if isinstance(target, dict):
            return target.get(pe[2:]), _child(node, pe[2:])
        return None, None
    if isinstance(target, list):
        for i, item in enumerate(target):
            if item_pe(node, item, i) == pe:
                return item, _elem(node)
    return None, None


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
