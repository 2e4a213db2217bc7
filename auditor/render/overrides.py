"""The wrapper kustomization that applies an Application's `source.kustomize` overrides.

Used by `kustomize.py`. Argo CD edits the app's kustomization in a scratch copy
(`kustomize edit set image`, `add label`, ...); we express the same edits as a wrapper
kustomization whose only resource is the app directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.errors import ManifestError
from auditor.model import KustomizeOptions

_DIGEST = re.compile(r"^(?P<image>[^@]+)@(?P<digest>[A-Za-z0-9_+.-]+:[A-Fa-f0-9]+)$")


def wrapper_kustomization(
    app_dir: Path, *, wrapper: Path, root: Path, options: KustomizeOptions | None
) -> dict[str, Any]:
    """The kustomization (a dict to dump as YAML) to write in `wrapper`."""
    config: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [os.path.relpath(app_dir, wrapper)],
        "buildMetadata": ["originAnnotations"],
    }
    if options is None:
        return config
    if options.components:
        config["components"] = [
            os.path.relpath(_inside_root(app_dir / c, root=root, what="component"), wrapper)
            for c in options.components
        ]
    if options.name_prefix:
        config["namePrefix"] = options.name_prefix
    if options.name_suffix:
        config["nameSuffix"] = options.name_suffix
    if options.namespace:
        config["namespace"] = options.namespace
    if options.common_labels:
        # `kustomize edit add label` (Argo CD's commonLabels) also labels selectors.
        config["labels"] = [{"pairs": dict(options.common_labels), "includeSelectors": True}]
    if options.common_annotations:
        config["commonAnnotations"] = dict(options.common_annotations)
    if options.images:
        config["images"] = [parse_image(spec) for spec in options.images]
    if options.replicas:
        config["replicas"] = [
            {"name": name, "count": _count(name, count)} for name, count in options.replicas
        ]
    if options.patches:
        config["patches"] = [_inline_patch(p, app_dir=app_dir, root=root) for p in options.patches]
    return config


def parse_image(spec: str) -> dict[str, str]:
    """Argo CD's image override (`kustomize edit set image` syntax) as a kustomize entry.

    `name=new-name:tag`, `name=new-name@sha256:...`, `name:tag`, `name@sha256:...`;
    a `*` new name keeps the name.
    """
    name, sep, new = spec.partition("=")
    if not sep:
        image, tag, digest = _split_ref(spec)
        entry = {"name": image}
    else:
        image, tag, digest = _split_ref(new)
        entry = {"name": name}
        if image and image != "*":
            entry["newName"] = image
    if digest:
        entry["digest"] = digest
    elif tag:
        entry["newTag"] = tag
    return entry


def _split_ref(ref: str) -> tuple[str, str, str]:
    """(image, tag, digest) of a reference; a registry port is not a tag."""
    match = _DIGEST.match(ref)
    if match:
        return match["image"], "", match["digest"]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1 :], ""
    return ref, "", ""


def _count(name: str, count: int | str) -> int:
    try:
        return int(count)
    except (TypeError, ValueError):
        raise ManifestError(
            f"count {count!r} of {name!r} is not a number",
            path="spec.source.kustomize.replicas",
        ) from None


def _inline_patch(patch: Mapping[str, Any], *, app_dir: Path, root: Path) -> dict[str, Any]:
    """A patch with its `path` file read in, so the wrapper needs no file outside itself."""
    entry = {str(k): v for k, v in patch.items()}
    path = entry.pop("path", None)
    if path:
        file = _inside_root(app_dir / str(path), root=root, what="patch")
        try:
            entry["patch"] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            shown = file.relative_to(root).as_posix()
            raise ManifestError("cannot read kustomize patch file", path=shown) from exc
    return entry


def _inside_root(path: Path, *, root: Path, what: str) -> Path:
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        shown = os.path.relpath(path, root)
        raise ManifestError(f"{what} path is outside the repository", path=shown)
    return resolved
