"""Field sets as server-side apply tracks them, and their `FieldsV1` encoding.

A `FieldSet` is a tree of path elements written as in `fieldsV1`: `f:<field>`,
`k:{<key fields as JSON>}`, `v:<value as JSON>`, `i:<index>`. A path element in `members`
is itself owned (the `.` entry); `children` hold owned sub-fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


class FieldSet:
    """A set of field paths, stored as a tree keyed by `fieldsV1` path elements."""

    __slots__ = ("members", "children")

    def __init__(self) -> None:
        self.members: set[str] = set()
        self.children: dict[str, FieldSet] = {}

    def empty(self) -> bool:
        return not self.members and all(c.empty() for c in self.children.values())

    def insert(self, path: tuple[str, ...]) -> None:
        node = self
        for pe in path[:-1]:
            node = node.children.setdefault(pe, FieldSet())
        if path:
            node.members.add(path[-1])

    def child(self, pe: str) -> FieldSet | None:
        return self.children.get(pe)

    def has(self, path: tuple[str, ...]) -> bool:
        node: FieldSet | None = self
        for pe in path[:-1]:
            node = node.children.get(pe) if node else None
        return bool(node and path and path[-1] in node.members)

    def has_prefix(self, path: tuple[str, ...]) -> bool:
        """Whether `path` or anything below it is in the set."""
        node: FieldSet | None = self
        for pe in path[:-1]:
            node = node.children.get(pe) if node else None
            if node is None:
                return False
        if not path or node is None:
            return not self.empty()
        last = path[-1]
        sub = node.children.get(last)
        return last in node.members or (sub is not None and not sub.empty())

    def paths(self, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
        for pe in sorted(self.members | set(self.children), key=_sort_key):
            if pe in self.members:
                yield (*prefix, pe)
            sub = self.children.get(pe)
            if sub is not None:
                yield from sub.paths((*prefix, pe))

    def copy(self) -> FieldSet:
        out = FieldSet()
        out.members = set(self.members)
        out.children = {k: v.copy() for k, v in self.children.items()}
        return out

    def union(self, other: FieldSet) -> FieldSet:
        out = self.copy()
        out.members |= other.members
        for k, v in other.children.items():
            out.children[k] = out.children[k].union(v) if k in out.children else v.copy()
        return out

    def difference(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members - other.members
        for k, v in self.children.items():
            o = other.children.get(k)
            sub = v.difference(o) if o is not None else v.copy()
            if not sub.empty():
                out.children[k] = sub
        return out

    def intersection(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members & other.members
        for k, v in self.children.items():
            o = other.children.get(k)
            if o is not None:
                sub = v.intersection(o)
                if not sub.empty():
                    out.children[k] = sub
        return out

    def without_prefixes(self, prefixes: list[tuple[str, ...]]) -> FieldSet:
        """Drop whole subtrees (e.g. `f:status`), members and children alike."""
        out = self.copy()
        for path in prefixes:
            node: FieldSet | None = out
            for pe in path[:-1]:
                node = node.children.get(pe) if node else None
            if node is not None and path:
                node.members.discard(path[-1])
                node.children.pop(path[-1], None)
        return out

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pe in sorted(self.members | set(self.children), key=_sort_key):
            sub = self.children.get(pe)
            if sub is not None and not sub.empty():
                body = sub.to_json()
                out[pe] = {".": {}, **body} if pe in self.members else body
            elif pe in self.members:
                out[pe] = {}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldSet:
        out = cls()
        for pe, body in data.items():
            if pe == ".":
                continue
            body = body if isinstance(body, Mapping) else {}
            if not body or "." in body:
                out.members.add(pe)
            if any(k != "." for k in body):
                out.children[pe] = cls.from_json(body)
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"FieldSet({json.dumps(self.to_json(), sort_keys=True)})"


def _sort_key(pe: str) -> tuple[int, str]:
    return ("fkvi".find(pe[0]) if pe else 0, pe)


def field_pe(name: str) -> str:
    return "f:" + name


def key_pe(item: Mapping[str, Any], keys: list[str]) -> str:
    fields = {k: item[k] for k in sorted(keys) if k in item}
    return "k:" + json.dumps(fields, separators=(",", ":"), sort_keys=True)


def value_pe(value: Any) -> str:
    return "v:" + json.dumps(value, separators=(",", ":"), sort_keys=True)


def path_string(path: tuple[str, ...]) -> str:
    """The `.spec.containers[name="x"].image` form used in conflict messages."""
    out = []
    for pe in path:
        kind, body = pe[:2], pe[2:]
        if kind == "f:":
            out.append("." + body)
        elif kind == "k:":
            fields = json.loads(body)
            out.append(
                "["
                + ",".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in fields.items())
                + "]"
            )
        elif kind == "v:":
            out.append(f"[={body}]")
        else:
            out.append(f"[{body}]")
    return "".join(out)
