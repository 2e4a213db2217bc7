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

`input_key` also says what the key read (`Reads`: directories walked, files, paths
probed that did not exist), so a later commit whose changed paths touch none of them has
the same key without reading anything (`Reads.touched_by`). A tree with symbolic links
among what was read says nothing (a link's target changes under another path).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Reads:
    """What an input key read, as paths relative to the tree's root."""

    dirs: frozenset[str]
    files: frozenset[str]
    probes: frozenset[str]  # looked for, not there

    def touched_by(self, changed: Iterable[str]) -> bool:
        """Whether a change to these paths (added, modified or deleted) may change the
        key: one of them read, probed, or inside a directory walked."""
        if "." in self.dirs:
            return True
        for path in changed:
            if path.endswith("/"):  # a directory whole: anything read below it
                inside = (*self.dirs, *self.files, *self.probes)
                if any(p.startswith(path) or p == path[:-1] for p in inside):
                    return True
                path = path[:-1]
            if path in self.files or path in self.probes:
                return True
            parts = path.split("/")
            for end in range(1, len(parts)):
                above = "/".join(parts[:end])
                if above in self.dirs or above in self.probes:
                    return True
        return False

    def to_json(self) -> list[list[str]]:
        return [sorted(self.dirs), sorted(self.files), sorted(self.probes)]

    @classmethod
    def from_json(cls, data: Any) -> Reads | None:
        try:
            dirs, files, probes = data
            return cls(frozenset(map(str, dirs)), frozenset(map(str, files)),
                       frozenset(map(str, probes)))  # fmt: skip
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class InputKey:
    digest: str
    reads: Reads | None  # None: a symbolic link among them, the key can only be re-made


def input_digest(app: App, *, root: Path, kind: str, immutable: bool = False) -> str | None:
    """The hash of every file the render of `app` (a `kind`: helm, kustomize, directory)
    in the tree at `root` can read; None when that cannot be known for sure."""
    found = input_key(app, root=root, kind=kind, immutable=immutable)
    return found.digest if found else None


def input_key(app: App, *, root: Path, kind: str, immutable: bool = False) -> InputKey | None:
    """`input_digest` and what it read. An `immutable` tree (a commit's export) has its
    directory listings remembered: a shared base is walked once for the whole fleet."""
    _local.listings = _TREES if immutable else None
    _local.reads = _Seen()
    source = app.source
    if source.chart or not source.path.strip():
        return None
    root = root.resolve()
    app_dir = (root / source.path.strip()).resolve()
    if not _inside(app_dir, root) or not app_dir.is_dir():
        return None
    if app_dir != Path(os.path.normpath(root / source.path.strip())):
        _local.reads.links = True  # the app's path goes through a link
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
    names = {path: path.relative_to(root).as_posix() for path in files}
    for path in sorted(files):
        digest.update(f"\0{names[path]}\0{DIGESTS.of(path)}".encode())
    met: _Seen = _local.reads
    reads = None
    if not met.links:
        reads = Reads(
            dirs=frozenset(d.relative_to(root).as_posix() for d in met.dirs),
            files=frozenset(names.values()),
            probes=frozenset(p.relative_to(root).as_posix() for p in met.probes),
        )
    return InputKey(digest=digest.hexdigest(), reads=reads)


@dataclass
class _Seen:
    dirs: set[Path] = field(default_factory=set)
    probes: set[Path] = field(default_factory=set)
    links: bool = False


def _inside(path: Path, root: Path) -> bool:
    text, top = str(path), str(root)
    return text == top or text.startswith(top.rstrip(os.sep) + os.sep)


# Listings of immutable trees (exports per SHA): the files, and whether a link is there.
_TREES: dict[Path, tuple[tuple[Path, ...], bool]] = {}
_local = threading.local()  # per thread: the memo to use for the key being made


def _tree(directory: Path) -> tuple[Path, ...]:
    """Every file below `directory`; remembered while an immutable tree is keyed."""
    memo: dict[Path, tuple[tuple[Path, ...], bool]] | None = getattr(_local, "listings", None)
    found = memo.get(directory) if memo is not None else None
    if found is None:
        found = _walk(directory)
        if memo is not None:
            if len(memo) > 50_000:
                memo.clear()
            memo[directory] = found
    met: _Seen = _local.reads
    met.dirs.add(directory)
    met.links = met.links or found[1] or os.path.realpath(directory) != str(directory)
    return found[0]


def _walk(directory: Path) -> tuple[tuple[Path, ...], bool]:
    """Every file below `directory` (symlinks followed as the tools follow them), and
    whether any of them or of the directories below is a symbolic link."""
    out: list[Path] = []
    links = False
    for top, dirs, names in os.walk(directory, followlinks=True):
        dirs[:] = [d for d in dirs if d != ".git"]
        links = links or any(os.path.islink(os.path.join(top, d)) for d in dirs)
        for name in names:
            if len(out) >= _MAX_FILES:
                raise Unknown("too many files")
            path = os.path.join(top, name)
            links = links or os.path.islink(path)
            out.append(Path(path))
    return tuple(out), links


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
            if _inside(path, root):
                _local.reads.probes.add(path)
            continue
        if not _inside(path, root):
            raise Unknown("outside the repository")
        if path.is_dir():
            _kustomization(path, root=root, files=files, seen=seen)
        else:
            files.add(path)
            if os.path.realpath(path) != str(path):
                _local.reads.links = True


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
    elif not path.exists():
        _local.reads.probes.add(path)


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
            named = Path(os.path.normpath(chart / repository.removeprefix("file://")))
            local = named.resolve()
            if not _inside(local, root):
                raise Unknown("outside the repository")
            if local != named:
                _local.reads.links = True
            files |= set(_tree(local))
    helm = app.source.helm
    for value_file in helm.value_files if helm is not None else ():
        if value_file.startswith("$") or _REMOTE.match(value_file):
            raise Unknown("a value file from another source")
        path = (chart / value_file).resolve()
        if not _inside(path, root):
            raise Unknown("outside the repository")
        if path != Path(os.path.normpath(chart / value_file)):
            _local.reads.links = True
        if path.is_file():
            files.add(path)
        elif not path.exists():
            _local.reads.probes.add(path)
