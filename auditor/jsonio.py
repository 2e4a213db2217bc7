"""JSON for the caches (renders, diff memos) and machine output, through orjson.

Strict: only JSON's own types are written (no datetime, dataclass or subclass
conversions; `TypeError` otherwise), so what a cache writes reads back equal.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError
_STRICT = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON of `value`; `TypeError` for anything JSON does not have."""
    return orjson.dumps(value, option=_STRICT | (orjson.OPT_SORT_KEYS if sort_keys else 0))


def digest(value: Any, *, sort_keys: bool = True, lenient: bool = False) -> str:
    """A 128-bit BLAKE2b of `value`'s compact JSON (keys sorted unless told otherwise).
    Strict unless `lenient`, where what JSON does not have is hashed as its `str()`."""
    option = orjson.OPT_SORT_KEYS if sort_keys else 0
    if lenient:
        data = orjson.dumps(value, default=str, option=option | orjson.OPT_NON_STR_KEYS)
    else:
        data = orjson.dumps(value, option=option | _STRICT)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def pretty(value: Any) -> str:
    """Indented JSON for people and pipes, as `json.dumps(indent=2, default=str)` writes
    it: what JSON does not have is written as its `str()`."""
    option = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | _STRICT
    return orjson.dumps(value, default=str, option=option).decode("utf-8")


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def read_file(path: Path) -> Any:
    """The JSON document in `path`; None when it is missing, unreadable or not JSON (a
    cache file: its owner starts anew)."""
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """`data` to `path` through a temp file and a rename, so a concurrent reader never
    sees part of it; False when it could not be written (a read-only or full cache
    directory: the caller's cache only loses the entry)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True
