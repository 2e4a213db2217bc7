"""A digest of the code a cache's entries were computed by: part of the key of every
cache that keeps results between runs (diff memo, commit index, policy verdicts), so an
upgrade (or any edit of that code) never serves what older code concluded."""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path

from auditor import __version__


@functools.cache
def code_digest(*modules: str) -> str:
    """SHA-256 (short) of the source of these modules, packages whole."""
    digest = hashlib.sha256(__version__.encode())
    for name in modules:
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "")
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for file in files:
            try:
                text = file.read_bytes()
            except OSError:  # not a plain file (a zip import): the version stands for it
                text = b""
            digest.update(file.relative_to(origin.parent).as_posix().encode())
            digest.update(b"\0" + text + b"\0")
    return digest.hexdigest()[:16]
