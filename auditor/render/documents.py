"""The raw output of one source renderer (before namespacing) and how documents become it.

`directory.py`, `kustomize.py` and `helm.py` produce a `RawRender`; `cache.py` stores it;
`renderer.py` turns it into the app's `RenderedApp`. Bodies are kept JSON-compatible so a
render can be cached on disk and read back identical.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.manifests import Document, expand_lists, is_object
from auditor.model import SourceLocation

KUSTOMIZE_CONFIG_GROUP = "kustomize.config.k8s.io"


@dataclass(frozen=True)
class Manifest:
    """One rendered object and where it came from (repo-relative)."""

    body: Mapping[str, Any]
    source: SourceLocation


@dataclass(frozen=True)
class RawRender:
    """A source renderer's result; `deterministic` says whether an error may be cached."""

    manifests: tuple[Manifest, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    deterministic: bool = True

    @classmethod
    def failed(cls, error: str, *, deterministic: bool = True) -> RawRender:
        return cls(error=error, deterministic=deterministic)


def json_compatible(value: Any) -> Any:
    """Turn YAML-only values (timestamps, binary, non-string keys) into JSON's, as the API does."""
    if isinstance(value, Mapping):
        return {_key(k): json_compatible(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_compatible(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(str(v) for v in value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


@dataclass(frozen=True)
class Collected:
    """Objects found in some documents, and notes about those that were skipped."""

    manifests: tuple[Manifest, ...]
    notes: tuple[str, ...]


def collect(docs: Iterable[tuple[Document, str]]) -> Collected:
    """Keep the Kubernetes objects among `(document, repo-relative path)` pairs.

    Lists are unfolded; documents that are not Kubernetes objects (values files,
    kustomize configs) are skipped with one note per file.
    """
    manifests: list[Manifest] = []
    skipped: dict[str, str] = {}
    for doc, path in docs:
        for item in expand_lists([doc]):
            reason = _not_an_object(item.body)
            if reason:
                skipped.setdefault(path, reason)
                continue
            manifests.append(
                Manifest(body=json_compatible(item.body), source=SourceLocation(path, item.line))
            )
    notes = tuple(f"skipped {path}: {reason}" for path, reason in skipped.items())
    return Collected(manifests=tuple(manifests), notes=notes)


def _not_an_object(body: Any) -> str:
    if not is_object(body):
        return "not a Kubernetes object"
    group = str(body["apiVersion"]).rpartition("/")[0]
    if group == KUSTOMIZE_CONFIG_GROUP:
        return f"kustomize {body['kind']} config, not a Kubernetes object"
    return ""


def missing_name(manifest: Manifest) -> str | None:
    """An error message when an object has neither a name nor a generateName."""
    meta = manifest.body.get("metadata")
    if isinstance(meta, Mapping) and (meta.get("name") or meta.get("generateName")):
        return None
    src = manifest.source
    return f"{src.path}:{src.line}: {manifest.body.get('kind')} has no metadata.name"
