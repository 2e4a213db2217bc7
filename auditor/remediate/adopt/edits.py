"""The file edits that make Git produce the live values of an app's drifted fields (pure:
file contents in, file contents out). Kustomize apps: image changes become `images:`
entries of the overlay's kustomization, other fields a strategic-merge patch file listed
in `patches:`. Plain YAML apps: the file holding the resource is edited in place.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, MutableSequence, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.diff.paths import MISSING, Index, Key, Path, assign, delete, lookup
from auditor.model import (
    App,
    AppReport,
    FieldChange,
    Resource,
    ResourceKey,
    ResourceStatus,
    SourceType,
)
from auditor.remediate.adopt.images import is_image_path, set_image
from auditor.remediate.adopt.yamlrt import dump, dump_all, load, load_all
from auditor.remediate.paths import parse_path

Reader = Callable[[str], str | None]
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass
class AdoptEdits:
    """New contents of repo files (paths relative to the repo root), and what was left out."""

    files: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)


def edits_for(
    app: App,
    report: AppReport,
    *,
    desired: Sequence[Resource],
    read: Reader,
    source_type: SourceType,
    live: Mapping[ResourceKey, Mapping[str, Any]] | None = None,
) -> AdoptEdits:
    """Edits adopting every OutOfSync field of `report` (Secrets, Missing and Extra are
    listed as skipped: their live values are masked or they are not field changes)."""
    edits = AdoptEdits()
    by_key = {r.key: r for r in desired}
    for drift in report.resources:
        if drift.status in (ResourceStatus.MISSING, ResourceStatus.EXTRA):
            edits.skipped.append(f"{drift.key}: {drift.status} (not a field change)")
            continue
        if drift.status != ResourceStatus.OUT_OF_SYNC or not drift.changes:
            continue
        if drift.key.kind == "Secret":
            edits.skipped.append(f"{drift.key}: Secret values are never written to Git")
            continue
        resource = by_key.get(drift.key)
        if resource is None:
            edits.skipped.append(f"{drift.key}: not in the render")
            continue
        if source_type == SourceType.KUSTOMIZE:
            live_obj = (live or {}).get(drift.key)
            _kustomize(edits, app, resource, drift.changes, read=read, live=live_obj)
        elif source_type == SourceType.DIRECTORY:
            _in_place(edits, resource, drift.changes, read=read)
        else:
            edits.skipped.append(f"{drift.key}: {source_type} sources cannot be edited")
    return edits


def _current(edits: AdoptEdits, path: str, read: Reader) -> str | None:
    return edits.files[path] if path in edits.files else read(path)


def _in_place(
    edits: AdoptEdits, resource: Resource, changes: Sequence[FieldChange], *, read: Reader
) -> None:
    if resource.source is None:
        edits.skipped.append(f"{resource.key}: unknown source file")
        return
    path = resource.source.path
    text = _current(edits, path, read)
    if text is None:
        edits.skipped.append(f"{resource.key}: {path} not found")
        return
    docs = load_all(text)
    doc = next((d for d in docs if _is(d, resource)), None)
    if doc is None:
        edits.skipped.append(f"{resource.key}: not found in {path}")
        return
    for change in changes:
        _set(doc, parse_path(change.path), change.live, smp=False)
        edits.adopted.append(f"{resource.key} {change.path}")
    edits.files[path] = dump_all(docs)


def _is(doc: Any, resource: Resource) -> bool:
    if not isinstance(doc, dict):
        return False
    meta = doc.get("metadata") or {}
    namespace = meta.get("namespace")
    return (
        doc.get("kind") == resource.key.kind
        and meta.get("name") == resource.key.name
        and (not namespace or namespace == resource.key.namespace)
    )


def _kustomize(
    edits: AdoptEdits,
    app: App,
    resource: Resource,
    changes: Sequence[FieldChange],
    *,
    read: Reader,
    live: Mapping[str, Any] | None,
) -> None:
    overlay = app.source.path.strip("/")
    kpath = next(
        (p for n in KUSTOMIZATION_FILES if _current(edits, p := _join(overlay, n), read)), None
    )
    if kpath is None:
        edits.skipped.append(f"{resource.key}: no kustomization in {overlay}")
        return
    kustomization = load(_current(edits, kpath, read) or "") or {}
    patch_fields = []
    for change in changes:
        if is_image_path(change.path) and isinstance(change.live, str):
            images = kustomization.setdefault("images", [])
            assert isinstance(images, MutableSequence)
            set_image(images, desired=str(change.desired), live=change.live)
        else:
            patch_fields.append(change)
        edits.adopted.append(f"{resource.key} {change.path}")
    if patch_fields:
        name = _original_name(resource.key.name, kustomization)
        file = f"gitops-auditor-{resource.key.kind.lower()}-{name}.yaml"
        ppath = _join(overlay, file)
        existing = _current(edits, ppath, read)
        patch = load(existing) if existing else None
        if not isinstance(patch, dict):
            patch = {
                "apiVersion": resource.api_version,
                "kind": resource.key.kind,
                "metadata": {"name": name},
            }
        for change in patch_fields:
            path, value = _patchable(parse_path(change.path), change.live, live)
            _set(patch, path, value, smp=True)
        edits.files[ppath] = dump(patch)
        patches = kustomization.setdefault("patches", [])
        if not any(isinstance(p, dict) and p.get("path") == file for p in patches):
            patches.append({"path": file})
    edits.files[kpath] = dump(kustomization)


def _patchable(path: Path, value: Any, live: Mapping[str, Any] | None) -> tuple[Path, Any]:
    """Where a strategic-merge patch can carry a change: a positional (atomic) list is
    replaced whole by such a patch, so a change of one element becomes the whole live list
    (`args[1]` -> `args`); other paths stay as they are."""
    cut = next((i for i, seg in enumerate(path) if isinstance(seg, Index)), None)
    if cut is None or live is None:
        return path, value
    whole = lookup(live, path[:cut])
    if whole is MISSING:
        return path, value
    return path[:cut], whole


def _original_name(name: str, kustomization: Any) -> str:
    """The name an overlay's patches match: before the overlay's own prefix/suffix."""
    prefix = str(kustomization.get("namePrefix") or "")
    suffix = str(kustomization.get("nameSuffix") or "")
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    if suffix and name.endswith(suffix):
        name = name[: -len(suffix)]
    return name


def _set(doc: Any, path: Path, value: Any, *, smp: bool) -> None:
    """Write the live value; an absent live value deletes the field (in a strategic-merge
    patch: `null` for a field, `$patch: delete` for a keyed list entry)."""
    if value is not None:
        assign(doc, path, value)
    elif not smp:
        delete(doc, path)
    elif path and isinstance(path[-1], Key):
        entry = {n: v for n, v in path[-1].fields}
        assign(doc, path, {**entry, "$patch": "delete"})
    else:
        assign(doc, path, None)


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory and directory != "." else name
