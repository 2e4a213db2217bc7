"""The diff memos of a pipeline, one per cluster, kept in memory between rounds and in
the cache directory between runs (one JSON file a cluster, written atomically: processes
sharing the directory never read a partial file; an unreadable file is an empty memo).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from auditor import jsonio
from auditor.diff.memo import DIFF_VERSION, DiffMemo, Entry


class DiffMemos:
    """Per-cluster `DiffMemo`s under `directory` (None: in memory only)."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._memos: dict[str, DiffMemo] = {}
        self._lock = threading.Lock()

    def for_cluster(self, cluster: str) -> DiffMemo:
        with self._lock:
            memo = self._memos.get(cluster)
            if memo is None:
                memo = self._memos[cluster] = DiffMemo(self._read(cluster))
            return memo

    def save(self, cluster: str, *, full_round: bool) -> None:
        """Keep what this round used and made. A full round's memo replaces the last
        (what it did not use belongs to objects that are gone or changed); a scoped one's
        adds to it."""
        with self._lock:
            memo = self._memos.get(cluster)
            if memo is None:
                return
            entries = memo.entries() if full_round else {**memo.kept(), **memo.entries()}
            self._memos[cluster] = DiffMemo(entries)
            if memo.changed or len(entries) != len(memo.kept()):
                self._write(cluster, entries)

    def _path(self, cluster: str) -> Path | None:
        if self._directory is None:
            return None
        name = hashlib.sha256(cluster.encode()).hexdigest()[:24]
        return self._directory / f"{name}.json"

    def _read(self, cluster: str) -> dict[str, Entry]:
        path = self._path(cluster)
        if path is None:
            return {}
        data = jsonio.read_file(path)
        if not isinstance(data, dict) or data.get("version") != DIFF_VERSION:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def _write(self, cluster: str, entries: dict[str, Entry]) -> None:
        path = self._path(cluster)
        if path is None:
            return
        jsonio.write_atomic(path, jsonio.dumps({"version": DIFF_VERSION, "entries": entries}))
