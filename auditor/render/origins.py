"""Locating the source file and line of an object that kustomize produced.

Used by `kustomize.py`: kustomize's `config.kubernetes.io/origin` annotation names the
file (or the kustomization whose generator made it); we then find the document of the
same kind whose name the output name contains (prefixes and suffixes aside).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditor.errors import ManifestError
from auditor.manifests import Document, expand_lists, parse_file
from auditor.model import SourceLocation
from auditor.render.digests import DIGESTS


class OriginResolver:
    """Turns origin annotations (paths relative to `base`) into repo-relative locations."""

    def __init__(self, *, root: Path, base: Path, fallback: str) -> None:
        self._root = root
        self._base = base
        self._fallback = fallback
        self._parsed: dict[Path, list[Document]] = {}

    def locate(self, body: Any, origin: Mapping[str, Any] | None) -> SourceLocation:
        """Best-effort location of `body`; the app's kustomization file when unknown."""
        if origin is None or origin.get("repo"):
            return SourceLocation(self._fallback, 1)
        path = origin.get("path") or origin.get("configuredIn")
        if not isinstance(path, str) or not path:
            return SourceLocation(self._fallback, 1)
        file = (self._base / path).resolve()
        try:
            shown = file.relative_to(self._root).as_posix()
        except ValueError:
            return SourceLocation(self._fallback, 1)
        if origin.get("configuredIn"):
            return SourceLocation(shown, self._generator_line(file, body))
        return SourceLocation(shown, self._document_line(file, body))

    def _documents(self, file: Path) -> list[Document]:
        if file not in self._parsed:
            try:
                docs = _parsed(file, DIGESTS.of(file))
            except OSError:
                docs = []
            self._parsed[file] = docs
        return self._parsed[file]

    def _document_line(self, file: Path, body: Any) -> int:
        kind, name = _kind_and_name(body)
        best: tuple[int, int] | None = None  # (length of the matched name, line)
        for doc in self._documents(file):
            doc_kind, doc_name = _kind_and_name(doc.body)
            if doc_kind != kind:
                continue
            if doc_name == name:
                return doc.line
            if doc_name and doc_name in name and (best is None or len(doc_name) > best[0]):
                best = (len(doc_name), doc.line)
            elif best is None:
                best = (0, doc.line)
        return best[1] if best else 1

    def _generator_line(self, file: Path, body: Any) -> int:
        """The line naming the generator of a generated object (name plus hash suffix)."""
        _, name = _kind_and_name(body)
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return 1
        best = (0, 1)
        for number, text in enumerate(lines, start=1):
            stripped = text.strip().removeprefix("- ").strip()
            if not stripped.startswith("name:"):
                continue
            value = stripped.removeprefix("name:").strip().strip("'\"")
            if value and value in name and len(value) > best[0]:
                best = (len(value), number)
        return best[1]


@lru_cache(maxsize=2048)
def _parsed(file: Path, digest: str) -> list[Document]:
    """A source file's documents, parsed once per content (a shared base's files are
    located for every overlay that uses it)."""
    try:
        return list(expand_lists(parse_file(file, display=file.name)))
    except ManifestError:
        return []


def _kind_and_name(body: Any) -> tuple[str, str]:
    if not isinstance(body, Mapping):
        return "", ""
    meta = body.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return str(body.get("kind") or ""), str(name or "")
