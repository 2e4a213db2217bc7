"""SHA-256 of files, remembered while they do not change: the render cache's input keys
(`inputs`) and the kustomize origin lookup (`origins`) read a fleet's shared files once."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

RACY_NS = 2_000_000_000  # a file changed this recently may change again unseen


class _FileDigests:
    """SHA-256 of files, remembered by (path, size, mtime, inode): a fleet's shared base
    is read once per change, not once per app. As git does for its index, a file modified
    in the last two seconds is not remembered (a second write within the clock's
    granularity could keep its size and mtime)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int, int], str] = {}
        self._lock = threading.Lock()

    def of(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)
        with self._lock:
            found = self._known.get(key)
        if found is None:
            found = hashlib.sha256(path.read_bytes()).hexdigest()
            if time.time_ns() - stat.st_mtime_ns < RACY_NS:
                return found
            with self._lock:
                if len(self._known) > 200_000:
                    self._known.clear()
                self._known[key] = found
        return found


DIGESTS = _FileDigests()
