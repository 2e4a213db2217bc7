"""Discoveries kept by the content they read: a commit's apps, projects and problems are
a function of its tree, the config and the code, so a round at a commit seen before
(or a working tree whose content is a known commit's plus the same edits) reads them
back instead of templating every ApplicationSet again.

Only a discovery that read nothing but the audited tree is kept: one whose git
generators or lookups reached another repo or another revision (which may move), or
whose app of apps had to be rendered, is made anew every time. Entries are JSON files
under the cache directory, written atomically; an unreadable or foreign one is a miss.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

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


@functools.cache
def _adapter() -> TypeAdapter[Discovery]:
    return TypeAdapter(Discovery)


def discovery_key(checkout: Checkout, config: Config, *, tree: str) -> str:
    """The key of a discovery of `tree` (a commit SHA, or a working tree's content) as
    `checkout` names it, under `config`."""
    return jsonio.digest(
        [
            DISCOVERY_VERSION,
            code_digest("auditor.apps", "auditor.model", "auditor.config", __name__),
            tree,
            checkout.revision,
            checkout.repo_url,
            str(checkout.root),
            list(checkout.urls),
            checkout.branch,
            checkout.pinned,
            config.model_dump(mode="json"),
        ]
    )


class Discoveries:
    """Discoveries by key, in memory and under `directory` (None: in memory only)."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._memory: dict[str, Discovery] = {}
        self._lock = threading.Lock()
        self.hits = 0  # discoveries read back instead of made
        self.kept = 0  # discoveries stored

    def get(self, key: str) -> Discovery | None:
        with self._lock:
            found = self._memory.get(key)
        if found is not None or self._directory is None:
            self.hits += found is not None
            return found
        path = self._directory / f"{key}.json"
        try:
            found = _adapter().validate_json(path.read_bytes())
            os.utime(path)  # recently used: kept by `_prune`
        except (OSError, ValidationError, ValueError):
            return None
        self._remember(key, found)
        self.hits += 1
        return found

    def put(self, key: str, discovery: Discovery) -> None:
        self.kept += 1
        self._remember(key, discovery)
        if self._directory is None:
            return
        try:
            data = _adapter().dump_json(discovery)
        except ValueError:  # a value JSON does not have: kept in memory only
            return
        jsonio.write_atomic(self._directory / f"{key}.json", data)
        self._prune()

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
                self._directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True
            )
            for stale in entries[KEEP_FILES:]:
                stale.unlink(missing_ok=True)
        except OSError:  # another process pruned first
            return
