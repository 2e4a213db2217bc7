"""Field paths inside an object: segments, their display form and their `fieldsV1` form.

A `Path` is a tuple of `Field` (struct field or map key), `Key` (an entry of a list the API
treats as a map, by its merge keys) and `Index` (a positional entry). Displayed as
`spec.template.spec.containers[name=web].image`; also navigates plain dict/list objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final


class _Missing:
    """The absence of a value (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()
# Defaults the API server applies to list-map key fields before keying an entry.
KEY_DEFAULTS: Final[Mapping[str, Any]] = {"protocol": "TCP"}
_BARE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_BARE_VALUE = re.compile(r"^[A-Za-z0-9_./:@-]+$")


@dataclass(frozen=True, order=True)
class Field:
    name: str


@dataclass(frozen=True)
class Key:
    """The merge-key values of a list entry, sorted by field name (as SSA's `k:{...}`)."""

    fields: tuple[tuple[str, Any], ...]

    def matches(self, item: Any) -> bool:
        return isinstance(item, Mapping) and key_of(item, [n for n, _ in self.fields]) == self


@dataclass(frozen=True, order=True)
class Index:
    index: int


Segment = Field | Key | Index
Path = tuple[Segment, ...]


def _hashable(value: Any) -> Any:
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def key_of(item: Mapping[str, Any], names: Sequence[str]) -> Key:
    """The key of a list-map entry, with the server's defaults for absent key fields."""
    pairs = []
    for name in sorted(names):
        value = item.get(name)
        if value is None:
            value = KEY_DEFAULTS.get(name)
        pairs.append((name, _hashable(value)))
    return Key(tuple(pairs))


def render(path: Path) -> str:
    """`spec.containers[name=web].ports[containerPort=80,protocol=TCP]`, `labels["a/b"]`."""
    out: list[str] = []
    for seg in path:
        if isinstance(seg, Field):
            if _BARE_KEY.match(seg.name):
                out.append(("." if out else "") + seg.name)
            else:
                out.append(f"[{json.dumps(seg.name)}]")
        elif isinstance(seg, Key):
            out.append("[" + ",".join(f"{n}={_value_text(v)}" for n, v in seg.fields) + "]")
        else:
            out.append(f"[{seg.index}]")
    return "".join(out)


def _value_text(value: Any) -> str:
    if isinstance(value, str) and _BARE_VALUE.match(value):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(value)


def to_pes(path: Path) -> tuple[str, ...]:
    """The path as `fieldsV1` path elements: `f:name`, `k:{...}`, `i:N`."""
    pes = []
    for seg in path:
        if isinstance(seg, Field):
            pes.append("f:" + seg.name)
        elif isinstance(seg, Key):
            body = {n: json.loads(v) if _is_json_text(v) else v for n, v in seg.fields}
            pes.append("k:" + json.dumps(body, sort_keys=True, separators=(",", ":")))
        else:
            pes.append(f"i:{seg.index}")
    return tuple(pes)


def _is_json_text(value: Any) -> bool:
    return isinstance(value, str) and value[:1] in ("{", "[")


def from_pes(pes: Sequence[str]) -> Path | None:
    """The inverse of `to_pes`; None for set members (`v:`), which have no `Path` form."""
    out: list[Segment] = []
    for pe in pes:
        kind, body = pe[:2], pe[2:]
        if kind == "f:":
            out.append(Field(body))
        elif kind == "k:":
            try:
                fields = json.loads(body)
            except ValueError:
                return None
            if not isinstance(fields, dict):
                return None
            out.append(Key(tuple(sorted((n, _hashable(v)) for n, v in fields.items()))))
        elif kind == "i:" and body.isdigit():
            out.append(Index(int(body)))
        else:
            return None
    return tuple(out)


def lookup(obj: Any, path: Path) -> Any:
    """The value at `path`, or MISSING."""
    node = obj
    for seg in path:
        found = _child(node, seg)
        if found is None:
            return MISSING
        node = found[1]
    return node


def _child(node: Any, seg: Segment) -> tuple[Any, Any] | None:
    """(container index or key, value) of one step, or None when absent."""
    if isinstance(seg, Field):
        if isinstance(node, dict) and seg.name in node:
            return seg.name, node[seg.name]
        return None
    if not isinstance(node, list):
        return None
    if isinstance(seg, Index):
        return (seg.index, node[seg.index]) if 0 <= seg.index < len(node) else None
    for i, item in enumerate(node):
        if seg.matches(item):
            return i, item
    return None


def delete(obj: Any, path: Path) -> None:
    """Remove the value at `path` from a plain (mutable) object; no-op when absent."""
    if not path:
        return
    parent = lookup(obj, path[:-1])
    found = _child(parent, path[-1])
    if found is not None:
        del parent[found[0]]


def assign(obj: Any, path: Path, value: Any) -> None:
    """Set the value at `path`, creating maps and keyed list entries on the way."""
    node = obj
    for i, seg in enumerate(path):
        last = i == len(path) - 1
        found = _child(node, seg)
        if found is not None:
            if last:
                node[found[0]] = value
                return
            node = found[1]
            continue
        nxt: Any = value if last else ([] if isinstance(path[i + 1], Key | Index) else {})
        if isinstance(seg, Field) and isinstance(node, dict):
            node[seg.name] = nxt
        elif isinstance(seg, Key) and isinstance(node, list):
            if not last:
                nxt = {n: _unhash(v) for n, v in seg.fields}
            node.append(nxt)
        elif isinstance(node, list):
            node.append(nxt)
        else:
            return
        node = nxt


def _unhash(value: Any) -> Any:
    return json.loads(value) if _is_json_text(value) else value
