"""Equality of leaf values under the schema: quantities, int-or-string, empty vs absent.

Shared by the desired/live walk (`compare`) and the predicted/live walk (`predicted`).
"""

from __future__ import annotations

from typing import Any

from auditor.diff.paths import MISSING, Field, Path
from auditor.diff.quantity import has_unit, quantities_equal
from auditor.diff.schema import is_int_or_string, is_known, is_quantity
from auditor.kubemeta.schema import Node

# Identity fields: compared by pairing, never as drift.
IDENTITY: frozenset[Path] = frozenset(
    {
        (Field("apiVersion"),),
        (Field("kind"),),
        (Field("metadata"), Field("name")),
        (Field("metadata"), Field("namespace")),
        (Field("metadata"), Field("generateName")),
    }
)


def is_empty(value: Any) -> bool:
    """Absent, null, "", [] and {} all mean "not set"."""
    return value is MISSING or value is None or value == "" or value == [] or value == {}


def scalars_equal(a: Any, b: Any, *, node: Node | None) -> bool:
    if is_empty(a) and is_empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if type(a) is type(b) or (isinstance(a, int | float) and isinstance(b, int | float)):
        if a == b:
            return True
    if is_quantity(node):
        return quantities_equal(a, b)
    loose = is_int_or_string(node) or not is_known(node)
    if loose and has_unit(a) and has_unit(b):
        return quantities_equal(a, b)
    if is_int_or_string(node) and isinstance(a, int | str) and isinstance(b, int | str):
        return str(a) == str(b)
    return False


def values_equal(a: Any, b: Any, *, node: Node | None) -> bool:
    """Deep equality with the scalar rules at the leaves (lists positionally)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        return all(
            values_equal(a.get(k, MISSING), b.get(k, MISSING), node=_child(node, k)) for k in keys
        )
    if isinstance(a, list) and isinstance(b, list):
        if is_empty(a) and is_empty(b):
            return True
        elem = node.element() if node is not None and node.kind == "list" else None
        return len(a) == len(b) and all(
            values_equal(x, y, node=elem) for x, y in zip(a, b, strict=True)
        )
    if isinstance(a, dict | list) or isinstance(b, dict | list):
        return is_empty(a) and is_empty(b)
    return scalars_equal(a, b, node=node)


def _child(node: Node | None, name: str) -> Node | None:
    if node is None or node.kind not in ("struct", "map"):
        return None
    return node.field(name)
