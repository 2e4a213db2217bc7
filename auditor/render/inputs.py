"""What a render can read, hashed: the key that lets a render be reused across commits and
working-tree edits as long as none of its inputs changed.

Argo CD re-renders every app of a monorepo on every commit. Here an app's render is keyed
by the content of every file it can read, found the way its tool finds them:

- the app's whole directory (every file below it, at any depth);
- for Kustomize, each kustomization met (the app's, those of the components the
  Application adds, then those of the local bases, components and resources they name,
  recursively): every string in it that names an existing local file or directory
  (resources, components, patches, generators' files and env files, replacements,
  configurations, crds, openapi...), directories whole;
- for Helm, the chart directory and each value file (`valueFiles`, relative to it).

When in doubt the answer is None and the caller keys by commit (or does not cache a
working tree): a remote resource, base or chart; kustomize's helmCharts, generators or
transformers plugins; Helm dependencies from a repository; Jsonnet; a path that leaves
the repository. Never a stale render: a file that is read is always in the key.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from auditor.model import App
from auditor.render.digests import DIGESTS
from auditor.render.kustomize import kustomization_file

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")
_PLUGINS = ("helmCharts", "helmChartInflationGenerator", "generators", "transformers",
            "validators")  # fmt: skip
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where built with it
_MAX_FILES = 20_000  # a tree this large is hashed no more: keyed by commit instead


class Unknown(Exception):
    """The render's inputs cannot all be named: key it by commit."""


def input_digest(app: App, *, root: Path, kind: str, immutable: bool = False) -> str | None:
    """The hash of every file the render of `app` (a `kind`: helm, kustomize, directory)
    in the tree at `root` can read; None when that cannot be known for sure. An
    `immutable` tree (a commit's export) has its directory listings remembered: a shared
    base is walked once for the whole fleet."""
    _local.listings = _TREES if immutable else None
    source = app.source
    if source.chart or not source.path.strip():
        return None
    root = root.resolve()
    app_dir = (root / source.path.strip()).resolve()
    if not _inside(app_dir, root) or not app_dir.is_dir():
        return None
    files: set[Path] = set()
    try:
        if kind == "kustomize":
            seen: set[Path] = set()
            _kustomization(app_dir, root=root, files=files, seen=seen)
            options = source.kustomize
            for component in options.components if options is not None else ():
                _component(app_dir, component, root=root, files=files, seen=seen)
        elif kind == "helm":
            _helm(app, app_dir, root=root, files=files)
        elif kind == "directory":
            if source.directory is not None and source.directory.jsonnet is not None:
                raise Unknown("jsonnet")
            files |= set(_tree(app_dir))
            if any(f.suffix in (".jsonnet", ".libsonnet") for f in files):
                raise Unknown("jsonnet")
        else:
            return None
    except (Unknown, OSError, yaml.YAMLError, RecursionError):
        return None
    if len(files) > _MAX_FILES:
        return None
    digest = hashlib.sha256(kind.encode())
    for path in sorted(files):
        digest.update(f"\0{path.relative_to(root).as_posix()}\0{DIGESTS.of(path)}".encode())
    return digest.hexdigest()


def _inside(path: Path, root: Path) -> bool:
    text, top = str(path), str(root)
    return text == top or text.startswith(top.rstrip(os.sep) + os.sep)


_TREES: dict[Path, tuple[Path, ...]] = {}  # listings of immutable trees (exports per SHA)
_local = threading.local()  # per thread: the memo to use for the key being made


def _tree(directory: Path) -> tuple[Path, ...]:
    """Every file below `directory`; remembered while an immutable tree is keyed."""
    memo: dict[Path, tuple[Path, ...]] | None = getattr(_local, "listings", None)
    if memo is not None and directory in memo:
        return memo[directory]
    found = tuple(_walk(directory))
    if memo is not None:
        if len(memo) > 50_000:
            memo.clear()
        memo[directory] = found
    return found


def _walk(directory: Path) -> Iterator[Path]:
    """Every file below `directory` (symlinks followed as the tools follow them)."""
    count = 0
    for top, dirs, names in os.walk(directory, followlinks=True):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            count += 1
            if count > _MAX_FILES:
                raise Unknown("too many files")
            yield Path(top) / name


def _kustomization(directory: Path, *, root: Path, files: set[Path], seen: set[Path]) -> None:
    if directory in seen:
        return
    seen.add(directory)
    files |= set(_tree(directory))
    found = kustomization_file(directory)
    if found is None:
        return  # a plain directory of resources: its files are in already
    for candidate in _references(found, DIGESTS.of(found)):
        path = Path(os.path.normpath(directory / candidate))
        if not path.exists():
            continue
        if not _inside(path, root):
            raise Unknown("outside the repository")
        if path.is_dir():
            _kustomization(path, root=root, files=files, seen=seen)
        else:
            files.add(path)


def _component(
    app_dir: Path, component: str, *, root: Path, files: set[Path], seen: set[Path]
) -> None:
    """A component the Application's `kustomize.components` adds (relative to the app)."""
    if _REMOTE.match(component.strip()):
        raise Unknown("remote component")
    path = Path(os.path.normpath(app_dir / component.strip()))
    if not _inside(path, root):
        raise Unknown("outside the repository")
    if path.is_dir():
        _kustomization(path, root=root, files=files, seen=seen)


@lru_cache(maxsize=4096)
def _references(path: Path, digest: str) -> tuple[str, ...]:
    """The strings of the kustomization at `path` (with content `digest`) that may name
    files or directories; raises `Unknown` for what cannot be followed. Parsed once per
    content: a fleet's shared base is read once, not once per app."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    if not isinstance(document, dict):
        raise Unknown("not a kustomization")
    if any(document.get(key) for key in _PLUGINS):
        raise Unknown("plugins or charts")
    for entry in ("resources", "bases", "components"):
        for ref in document.get(entry) or ():
            if isinstance(ref, str) and _REMOTE.match(ref.strip()):
                raise Unknown("remote resource")
    out: list[str] = []
    for text in _strings(document):
        for candidate in (text, text.partition("=")[2]):
            if candidate and "\n" not in candidate and len(candidate) <= 4096:
                out.append(candidate)
    return tuple(dict.fromkeys(out))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _helm(app: App, chart: Path, *, root: Path, files: set[Path]) -> None:
    files |= set(_tree(chart))
    meta = yaml.load((chart / "Chart.yaml").read_text(encoding="utf-8"), Loader=_LOADER) or {}
    for dependency in meta.get("dependencies") or () if isinstance(meta, dict) else ():
        repository = str((dependency or {}).get("repository") or "")
        if repository and not repository.startswith("file://"):
            raise Unknown("a dependency from a chart repository")
        if repository:
            local = (chart / repository.removeprefix("file://")).resolve()
            if not _inside(local, root):
                raise Unknown("outside the repository")
            files |= set(_tree(local))
    helm = app.source.helm
    for value_file in helm.value_files if helm is not None else ():
        if value_file.startswith("$") or _REMOTE.match(value_file):
            raise Unknown("a value file from another source")
        path = (chart / value_file).resolve()
        if not _inside(path, root):
            raise Unknown("outside the repository")
        if path.is_file():
            files.add(path)
