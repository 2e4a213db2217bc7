"""Field paths as the drift report displays them (`spec.containers[name=web].image`),
parsed back into the diff stage's keyed `Path`, and resolved to JSON pointers (RFC 6901)
on a concrete object. Pure; used by planning (removals) and by the PR step (edits).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from auditor.diff.paths import Field, Index, Key, Path, Segment

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def parse_path(text: str) -> Path:
    """The inverse of `auditor.diff.paths.render`."""
    out: list[Segment] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == ".":
            i += 1
            continue
        if char == "[":
            end = _closing(text, i)
            out.append(_bracket(text[i + 1 : end]))
            i = end + 1
            continue
        match = _NAME.match(text, i)
        if match is None:
            raise ValueError(f"cannot parse field path {text!r} at {i}")
        out.append(Field(match.group(0)))
        i = match.end()
    return tuple(out)


def _closing(text: str, start: int) -> int:
    in_string = False
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and in_string:
            i += 2
            continue
        if char == '"':
            in_string = not in_string
        elif char == "]" and not in_string:
            return i
        i += 1
    raise ValueError(f"unbalanced [ in field path {text!r}")


def _bracket(inner: str) -> Segment:
    if inner.startswith('"'):
        return Field(str(json.loads(inner)))
    if inner.isdigit():
        return Index(int(inner))
    pairs = []
    for part in _split_pairs(inner):
        name, _, raw = part.partition("=")
        pairs.append((name, _value(raw)))
    return Key(tuple(sorted(pairs)))


def _split_pairs(inner: str) -> list[str]:
    parts, depth, current, in_string = [], 0, "", False
    for char in inner:
        if char == '"':
            in_string = not in_string
        elif not in_string and char in "{[":
            depth += 1
        elif not in_string and char in "}]":
            depth -= 1
        if char == "," and depth == 0 and not in_string:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _value(raw: str) -> Any:
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    # Keys hold scalars as they are and structures as canonical JSON text.
    if isinstance(value, Mapping | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def pointer(obj: Any, path: Path) -> str | None:
    """The JSON pointer of `path` in `obj` (list entries by index), or None when absent."""
    tokens: list[str] = []
    node = obj
    for seg in path:
        if isinstance(seg, Field):
            if not isinstance(node, Mapping) or seg.name not in node:
                return None
            tokens.append(seg.name)
            node = node[seg.name]
            continue
        if not isinstance(node, list):
            return None
        if isinstance(seg, Index):
            if not 0 <= seg.index < len(node):
                return None
            tokens.append(str(seg.index))
            node = node[seg.index]
            continue
        found = next((i for i, item in enumerate(node) if seg.matches(item)), None)
        if found is None:
            return None
        tokens.append(str(found))
        node = node[found]
    return "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in tokens)
