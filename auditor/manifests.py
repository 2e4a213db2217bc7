"""Parsing of manifest files: multi-document YAML, JSON and `kind: List`, with line numbers.

Shared by app discovery and rendering. A parse failure raises `ManifestError` naming the
file and the 1-based line; every document comes back with the line it starts on. Hostile
or sloppy YAML fails the same way: a duplicate mapping key (kubectl and Argo CD reject
them), aliases that expand past `MAX_NODES` (an alias bomb) or refer to themselves, and
nesting too deep to read.
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
# Values a document may hold once its aliases are expanded: far beyond any real manifest
# (a large CRD is ~50,000), far below what a 1 KB alias bomb expands to (billions).
MAX_NODES = 2_000_000
_MERGE_TAG = "tag:yaml.org,2002:merge"


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
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ManifestError(f"invalid JSON: duplicate key {key!r}", path=path)
            out[key] = value
        return out

    try:
        body = json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    except RecursionError as exc:
        raise ManifestError("invalid JSON: nested too deeply", path=path) from exc
    return [Document(body=body, line=1)]


def _parse_yaml(text: str, *, path: str) -> list[Document]:
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            check_node(node, path=path)
            body = loader.construct_document(node)
            docs.append(Document(body=body, line=node.start_mark.line + 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ManifestError(f"invalid YAML: {problem}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}", path=path) from exc
    except RecursionError as exc:
        raise ManifestError("invalid YAML: nested too deeply", path=path) from exc
    finally:
        loader.dispose()
    return docs


def load_yaml(text: str, *, path: str) -> Any:
    """One YAML document (None when empty), under the same bounds as manifests."""
    docs = _parse_yaml(text, path=path)
    return docs[0].body if docs else None


def check_node(root: yaml.Node, *, path: str) -> None:
    """Refuse a composed document with a duplicate mapping key, a self-referring alias,
    or more than `MAX_NODES` values once its aliases are expanded. Iterative, and each
    shared (aliased) node is visited once, so a bomb costs its size, not its expansion."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        children = _children(node)
        if done:
            open_nodes.discard(ident)
            size = 1 + sum(sizes[id(child)] for child in children)
            if size > MAX_NODES:
                raise ManifestError(
                    f"invalid YAML: aliases expand to more than {MAX_NODES:,} values",
                    path=path,
                    line=node.start_mark.line + 1,
                )
            sizes[ident] = size
            continue
        if ident in sizes:
            continue
        if ident in open_nodes:
            raise ManifestError(
                "invalid YAML: an alias refers to the node that contains it",
                path=path,
                line=node.start_mark.line + 1,
            )
        open_nodes.add(ident)
        if isinstance(node, yaml.MappingNode):
            _unique_keys(node, path=path)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _unique_keys(node: yaml.MappingNode, *, path: str) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        ident = (key.tag, key.value)
        if ident in seen:
            raise ManifestError(
                f"invalid YAML: duplicate key {key.value!r}",
                path=path,
                line=key.start_mark.line + 1,
            )
        seen.add(ident)


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
