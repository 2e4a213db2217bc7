"""Rego input documents for the embedded engine: a faster conversion than `regopy.Input`,
built once and set on an interpreter as often as needed.

`regopy.Input` walks the value in Python through wrappers that copy every string into a
fresh buffer; a parsed manifest only holds plain JSON types, which are sent straight to
rego-cpp's C API here (~40% less time). Anything else (YAML timestamps, sets, tuples,
subclasses) and any error falls back to `regopy.Input`. rego-cpp reads an input string
as the body of a JSON string literal, so quotes, backslashes and control characters are
escaped first (otherwise `"` ends the string early and the output is not JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import regopy
import regopy.rego_shared as rs

_LIB = rs.rego
_STRING = _LIB.regoInputString
_INT = _LIB.regoInputInt
_FLOAT = _LIB.regoInputFloat
_BOOL = _LIB.regoInputBoolean
_NULL = _LIB.regoInputNull
_ITEM = _LIB.regoInputObjectItem
_OBJECT = _LIB.regoInputObject
_ARRAY = _LIB.regoInputArray
_INT_RANGE = (-(2**63), 2**63 - 1)
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def escaped(text: str) -> bytes:
    """`text` as rego-cpp reads an input string: the inside of a JSON string literal."""
    if _NEEDS_ESCAPE.search(text) is None:
        return text.encode()
    return json.dumps(text, ensure_ascii=False)[1:-1].encode()


def _escape_all(value: Any) -> Any:
    """A copy of `value` with every string escaped, for the `regopy.Input` fallback."""
    if isinstance(value, str):
        return escaped(value).decode()
    if isinstance(value, Mapping):
        return {_escape_all(k): _escape_all(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return {_escape_all(v) for v in value}
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [_escape_all(v) for v in value]
    return value


class _Unsupported(Exception):
    """A value the fast path leaves to `regopy.Input`."""


class RegoInput:
    """An input document built once, set on an interpreter as often as needed."""

    def __init__(self, value: Any) -> None:
        self._fallback: regopy.Input | None = None
        handle = _LIB.regoNewInput()
        try:
            failed = _adder(handle)(value)
        except (_Unsupported, RecursionError):
            failed = 1
        if failed:
            rs.rego_free_input(handle)
            self._fallback = regopy.Input(_escape_all(value))  # raises as regopy would
            self._handle = self._fallback._impl
        else:
            self._handle = handle

    def set_on(self, interpreter: Any) -> None:
        rs.rego_set_input(interpreter._impl, self._handle)

    def __del__(self) -> None:
        if self._fallback is None and getattr(self, "_handle", None):
            rs.rego_free_input(self._handle)


def _adder(handle: int) -> Callable[[Any], int]:
    """A function adding a value to the input under construction; it returns non-zero
    when rego-cpp refused a node (the caller then falls back)."""

    def add(value: Any) -> int:
        kind = type(value)
        if kind is str:
            return int(_STRING(handle, escaped(value)))
        if kind is dict:
            failed = 0
            for key, item in value.items():
                failed |= _STRING(handle, escaped(key)) if type(key) is str else add(key)
                failed |= add(item)
                failed |= _ITEM(handle)
            return failed | int(_OBJECT(handle, len(value)))
        if kind is list:
            failed = 0
            for item in value:
                failed |= add(item)
            return failed | int(_ARRAY(handle, len(value)))
        if kind is bool:
            return int(_BOOL(handle, value))
        if kind is int:
            if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
                raise _Unsupported
            return int(_INT(handle, value))
        if kind is float:
            return int(_FLOAT(handle, value))
        if value is None:
            return int(_NULL(handle))
        raise _Unsupported

    return add
