"""Rendering of a Kustomize app with `kubectl kustomize`, plus the Application's overrides.

Called by `renderer.py`. The checkout is never modified: a wrapper kustomization in a
private temp dir references the app directory (by relative path: kustomize refuses absolute
ones) and adds the Application's `source.kustomize` overrides and origin annotations,
which locate each output object's source file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import ManifestError
from auditor.manifests import Document, parse_text
from auditor.model import KustomizeOptions
from auditor.render.documents import RawRender, collect
from auditor.render.origins import OriginResolver
from auditor.render.overrides import wrapper_kustomization
from auditor.render.tools import DEFAULT_TIMEOUT_SECONDS, ToolError, run_tool

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_ORIGIN = "config.kubernetes.io/origin"

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where built with it


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of `directory`, if it has one."""
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def render_kustomize(
    app_dir: Path,
    *,
    root: Path,
    kubectl: Path | None,
    options: KustomizeOptions | None,
    on_run: Callable[[], None] = lambda: None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> RawRender:
    """Build `app_dir` (inside `root`) with the Application's kustomize `options`."""
    root = root.resolve()
    app_dir = app_dir.resolve()
    display = _relative(app_dir, root) or "."
    if kubectl is None:
        return RawRender.failed(
            f"kubectl not found: cannot render Kustomize app {display}", deterministic=False
        )
    own_file = kustomization_file(app_dir)
    keep_origins = own_file is not None and "originAnnotations" in _read(own_file)
    with tempfile.TemporaryDirectory(prefix="gitops-auditor-kustomize-") as tmp:
        wrapper = Path(tmp).resolve()
        try:
            config = wrapper_kustomization(app_dir, wrapper=wrapper, root=root, options=options)
        except ManifestError as exc:
            return RawRender.failed(exc.message)
        (wrapper / "kustomization.yaml").write_text(
            yaml.safe_dump(config, sort_keys=False), encoding="utf-8"
        )
        on_run()
        try:
            output = run_tool(
                [str(kubectl), "kustomize", str(wrapper)], tool="kubectl kustomize", timeout=timeout
            )
        except ToolError as exc:
            message = _clean(exc.message, wrapper=wrapper, app_dir=app_dir, root=root)
            return RawRender.failed(
                f"kustomize build {display} failed: {message}", deterministic=exc.deterministic
            )
        try:
            docs = parse_text(output, path=f"kustomize output of {display}")
        except ManifestError as exc:  # kustomize always emits valid YAML; be safe anyway
            return RawRender.failed(exc.message)
        fallback = _relative(own_file, root) if own_file else display
        resolver = OriginResolver(root=root, base=wrapper, fallback=fallback)
        located: list[tuple[Document, str]] = []
        for doc in docs:
            origin = _pop_origin(doc.body, keep=keep_origins)
            source = resolver.locate(doc.body, origin)
            located.append((Document(body=doc.body, line=source.line), source.path))
    collected = collect(located)
    return RawRender(manifests=collected.manifests, notes=collected.notes)


def _pop_origin(body: Any, *, keep: bool) -> Mapping[str, Any] | None:
    """Take our origin annotation out of `body` (unless the user asked for it too)."""
    if not isinstance(body, dict):
        return None
    meta = body.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(meta, dict) or not isinstance(annotations, dict):
        return None
    raw = annotations.get(_ORIGIN) if keep else annotations.pop(_ORIGIN, None)
    if not keep and not annotations:
        del meta["annotations"]
    if not isinstance(raw, str):
        return None
    try:
        origin = yaml.load(raw, Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return origin if isinstance(origin, Mapping) else None


def _clean(message: str, *, wrapper: Path, app_dir: Path, root: Path) -> str:
    """Show kustomize's message with repo-relative paths instead of temp and checkout paths."""
    rel_app = os.path.relpath(app_dir, wrapper)
    shown_app = _relative(app_dir, root) or "."
    text = message.replace(f"{wrapper}/", "").replace(str(wrapper), "<overrides>")
    text = text.replace(f"{root}/", "").replace(rel_app, shown_app)
    text = text.removeprefix("error: ")
    # Drop the wrapper's own layer so the message reads as `kustomize build <app>` would.
    wrapper_layer = (
        f"accumulating resources: accumulation err='accumulating resources from '{shown_app}': "
        f"'{shown_app}' must resolve to a file': recursed accumulation of path '{shown_app}': "
    )
    return text.removeprefix(wrapper_layer)


def _relative(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
    return "" if rel == "." else rel


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
