"""Discoveries kept by the content they read: a commit's apps, projects and problems are
a function of its tree, the config and the code, so a round at a commit seen before
(or a working tree whose content is a known commit's plus the same edits) reads them
back instead of templating every ApplicationSet again.

Only a discovery that read nothing but the audited tree is kept: one whose git
generators or lookups reached another repo or another revision (which may move), or
whose app of apps had to be rendered, is made anew every time. Entries are JSON files
under the cache directory, written atomically; an unreadable or foreign one is a miss.

A new commit of a repo whose last discovery is kept may carry it over (see
`carries_over` and `Pipeline._carried`): when no generator reads a file's content and
the commit only edits files that name no Argo CD object, before or after, nothing
discovery reads has changed.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from auditor import jsonio
from auditor.codeversion import code_digest
from auditor.config import Config
from auditor.model import Discovery
from auditor.sources import Checkout

# Bump whenever a discovery of the same tree may come out differently.
DISCOVERY_VERSION = 1
KEEP_FILES = 8  # the most recent entries kept on disk
KEEP_IN_MEMORY = 4
HEADS = "heads.json"  # lineage -> key of its last discovery


@functools.cache
def _adapter() -> TypeAdapter[Discovery]:
    return TypeAdapter(Discovery)


def lineage_key(checkout: Checkout, config: Config) -> str:
    """What discoveries of one repo's commits share: the repo as the checkout names
    it, the config and the code."""
    return jsonio.digest(
        [
            DISCOVERY_VERSION,
            code_digest("auditor.apps", "auditor.model", "auditor.config", __name__),
            checkout.repo_url,
            list(checkout.urls),
            checkout.branch,
            checkout.pinned,
            config.model_dump(mode="json"),
        ]
    )


def discovery_key(checkout: Checkout, config: Config, *, tree: str) -> str:
    """The key of a discovery of `tree` (a commit SHA, or a working tree's content) as
    `checkout` names it, under `config`."""
    return jsonio.digest(
        [lineage_key(checkout, config), tree, checkout.revision, str(checkout.root)]
    )


def carries_over(discovery: Discovery) -> bool:
    """Whether this discovery holds for a later commit whose changes are only edits of
    files that are not Argo CD manifests (`Sources.edits_only`): true when every
    generator reads no file's content (lists, clusters, git directories, and matrix or
    merge of those), so only the tree's shape and its Argo CD files count."""
    for resource in discovery.declared:
        if resource.body.get("kind") != "ApplicationSet":
            continue
        spec = resource.body.get("spec")
        generators = spec.get("generators") if isinstance(spec, Mapping) else None
        if not _shape_only(generators):
            return False
    return True


def _shape_only(generators: Any) -> bool:
    if generators is None:
        return True
    if not isinstance(generators, list):
        return False
    for generator in generators:
        if not isinstance(generator, Mapping):
            return False
        for kind, body in generator.items():
            if kind in ("list", "clusters", "selector"):
                continue
            if kind == "git" and isinstance(body, Mapping) and not body.get("files"):
                continue
            if kind in ("matrix", "merge") and isinstance(body, Mapping):
                if _shape_only(body.get("generators")):
                    continue
            return False
    return True


class Discoveries:
    """Discoveries by key, in memory and under `directory` (None: in memory only)."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._memory: dict[str, Discovery] = {}
        self._lock = threading.Lock()
        self._latest: dict[str, str] = {}  # lineage -> key of its last discovery
        self.hits = 0  # discoveries read back instead of made
        self.carried = 0  # discoveries carried over from a parent commit
        self.kept = 0  # discoveries stored

    def get(self, key: str) -> Discovery | None:
        found = self._read(key)
        self.hits += found is not None
        return found

    def _read(self, key: str) -> Discovery | None:
        with self._lock:
            found = self._memory.get(key)
        if found is not None or self._directory is None:
            return found
        path = self._directory / f"{key}.json"
        try:
            found = _adapter().validate_json(path.read_bytes())
            os.utime(path)  # recently used: kept by `_prune`
        except (OSError, ValidationError, ValueError):
            return None
        self._remember(key, found)
        return found

    def put(self, key: str, discovery: Discovery, *, lineage: str | None = None) -> None:
        """Keep `discovery` by `key`; with `lineage`, as that lineage's latest (what
        `latest` answers), which a later commit may carry over."""
        self.kept += 1
        self._remember(key, discovery)
        if lineage is not None:
            with self._lock:
                self._latest[lineage] = key
        if self._directory is None:
            return
        try:
            data = _adapter().dump_json(discovery)
        except ValueError:  # a value JSON does not have: kept in memory only
            return
        jsonio.write_atomic(self._directory / f"{key}.json", data)
        if lineage is not None:
            heads = jsonio.read_file(self._directory / HEADS)
            heads = heads if isinstance(heads, dict) else {}
            heads[lineage] = key
            jsonio.write_atomic(self._directory / HEADS, jsonio.dumps(heads))
        self._prune()

    def latest(self, lineage: str) -> Discovery | None:
        """The last discovery kept for `lineage`, if it is still here."""
        with self._lock:
            key = self._latest.get(lineage)
        if key is None and self._directory is not None:
            heads = jsonio.read_file(self._directory / HEADS)
            found = heads.get(lineage) if isinstance(heads, dict) else None
            key = found if isinstance(found, str) else None
        return None if key is None else self._read(key)  # a parent to carry from: no hit

    def _remember(self, key: str, discovery: Discovery) -> None:
        with self._lock:
            self._memory.pop(key, None)
            self._memory[key] = discovery
            while len(self._memory) > KEEP_IN_MEMORY:
                del self._memory[next(iter(self._memory))]

    def _prune(self) -> None:
        assert self._directory is not None
        try:
            entries = sorted(
                (p for p in self._directory.glob("*.json") if p.name != HEADS),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            for stale in entries[KEEP_FILES:]:
                stale.unlink(missing_ok=True)
        except OSError:  # another process pruned first
            return
