"""Parsing of manifest files: multi-document YAML, JSON and `kind: List`, with line numbers.

Shared by app discovery and rendering. A parse failure raises `ManifestError` naming the
file and the 1-based line; every document comes back with the line it starts on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import ManifestError

try:  # the C loader is ~10x faster; PyYAML wheels ship it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Document:
    """One parsed document and the line (1-based) where it starts in its file."""

    body: Any
    line: int


def parse_text(text: str, *, path: str) -> list[Document]:
    """Parse YAML or JSON text into documents; `path` is used in error messages only."""
    if path.endswith(".json"):
        return _parse_json(text, path=path)
    return _parse_yaml(text, path=path)


def _parse_json(text: str, *, path: str) -> list[Document]:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    return [Document(body=body, line=1)]


def _parse_yaml(text: str, *, path: str) -> list[Document]:
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            body = loader.construct_document(node)
            docs.append(Document(body=body, line=node.start_mark.line + 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ManifestError(f"invalid YAML: {problem}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}", path=path) from exc
    finally:
        loader.dispose()
    return docs


def parse_file(file: Path, *, display: str) -> list[Document]:
    """Read and parse one file; `display` is the name shown in errors (repo-relative)."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError("not UTF-8 text", path=display) from exc
    except OSError as exc:
        raise ManifestError(f"cannot read: {exc.strerror}", path=display) from exc
    return parse_text(text, path=display)


def is_object(body: Any) -> bool:
    """True when a document looks like a Kubernetes object (apiVersion and kind)."""
    return (
        isinstance(body, Mapping)
        and isinstance(body.get("apiVersion"), str)
        and isinstance(body.get("kind"), str)
        and bool(body.get("kind"))
    )


def expand_lists(docs: list[Document]) -> Iterator[Document]:
    """Yield documents with `kind: List` (and `*List`) unfolded into their items."""
    for doc in docs:
        body = doc.body
        if (
            is_object(body)
            and str(body["kind"]).endswith("List")
            and isinstance(body.get("items"), list)
        ):
            for item in body["items"]:
                yield Document(body=item, line=doc.line)
        elif body is not None:
            yield doc
