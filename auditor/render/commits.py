"""What the renderer knows of commits: for each commit, the inputs key each app's render
had and what that key read (`inputs.Reads`), one index file a commit (read once for the
whole fleet, written by `flush`), and the last commit audited per repo. A commit is
named by its SHA alone: the same SHA is the same tree whichever remote it came from.

A commit never changes, so an app seen at a commit is keyed again without reading its
files. A new commit followed from an indexed one (`follow`, with the paths that changed
between them, from git) keeps each app's key whose reads those paths do not touch: a
commit that changes one overlay reads that overlay, not the fleet.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor import jsonio
from auditor.codeversion import code_digest
from auditor.render.inputs import Reads

INDEX_VERSION = "1"
_KEPT = 16  # commits whose index stays in memory


def _version() -> str:
    """The index format and the code that made its keys (an upgrade starts anew)."""
    return f"{INDEX_VERSION}-{code_digest('auditor.render', 'auditor.model')}"


@dataclass(frozen=True)
class Indexed:
    inputs_key: str
    reads: Reads | None


def _untouched(entry: Indexed | None, changed: frozenset[str]) -> Indexed | None:
    """`entry`, if what it read is known and these changed paths touch none of it."""
    if entry is None or entry.reads is None or entry.reads.touched_by(changed):
        return None
    return entry


class CommitIndex:
    """Commit indexes under `directory` (None: in memory only); safe between threads."""

    def __init__(self, directory: Path | None) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        self._indexes: OrderedDict[str, dict[str, Indexed]] = OrderedDict()
        self._dirty: set[str] = set()
        self._parents: dict[str, tuple[str, frozenset[str]]] = {}
        self._heads: dict[str, str] = {}

    def get(self, commit: str, app: str) -> Indexed | None:
        """What `app` (its key without the revision) had at this commit, or at the
        commit it was followed from when the paths changed since touch none of its reads."""
        with self._lock:
            found = self._index(commit).get(app)
            if found is not None:
                return found
            parent = self._parents.get(commit)
            if parent is None:
                return None
            before = _untouched(self._index(parent[0]).get(app), parent[1])
            if before is not None:
                self._put(commit, app, before)
            return before

    def carried(self, commit: str, app: str, changed: frozenset[str]) -> Indexed | None:
        """What `app` had at `commit` if these paths, changed since, touch none of its
        reads (for a working tree: nothing is kept for it)."""
        with self._lock:
            return _untouched(self._index(commit).get(app), changed)

    def put(self, commit: str, app: str, entry: Indexed) -> None:
        with self._lock:
            self._put(commit, app, entry)

    def follow(self, commit: str, *, parent: str | None, changed: Iterable[str] = ()) -> None:
        """`commit` is `parent` with these paths changed (added, modified, deleted);
        None: nothing is known of how it came about."""
        with self._lock:
            if parent is not None:
                self._parents[commit] = (parent, frozenset(changed))

    def audited(self, repo: str, commit: str) -> None:
        """`commit` is the last of `repo` audited (kept by `flush`)."""
        with self._lock:
            self._heads[repo] = commit

    def last(self, repo: str) -> str | None:
        """The last commit of `repo` audited with this cache."""
        heads = self._read(self._heads_path())
        found = heads.get(repo) if isinstance(heads, dict) else None
        return found if isinstance(found, str) else None

    def flush(self) -> None:
        """Write the indexes that gained entries, and each repo's last revision."""
        with self._lock:
            dirty = {c: dict(self._indexes[c]) for c in self._dirty if c in self._indexes}
            self._dirty.clear()
            audited, self._heads = self._heads, {}
        if self._directory is None:
            return
        for commit, index in dirty.items():
            entries = {
                app: [e.inputs_key, e.reads.to_json() if e.reads else None]
                for app, e in index.items()
            }
            data = {"version": _version(), "entries": entries}
            jsonio.write_atomic(self._path(commit), jsonio.dumps(data))
        if audited:
            heads = self._read(self._heads_path())
            heads = heads if isinstance(heads, dict) else {}
            jsonio.write_atomic(self._heads_path(), jsonio.dumps({**heads, **audited}))

    def _put(self, commit: str, app: str, entry: Indexed) -> None:
        index = self._index(commit)
        if index.get(app) != entry:
            index[app] = entry
            self._dirty.add(commit)

    def _index(self, commit: str) -> dict[str, Indexed]:
        """The index of `commit` (held under the lock), read from disk on first use."""
        index = self._indexes.get(commit)
        if index is None:
            index = self._indexes[commit] = self._load(commit)
            while len(self._indexes) > _KEPT:
                old, _ = self._indexes.popitem(last=False)
                self._dirty.discard(old)
        self._indexes.move_to_end(commit)
        return index

    def _load(self, commit: str) -> dict[str, Indexed]:
        data = self._read(self._path(commit))
        if not isinstance(data, dict) or data.get("version") != _version():
            return {}
        out: dict[str, Indexed] = {}
        entries = data.get("entries")
        for app, raw in (entries if isinstance(entries, dict) else {}).items():
            if isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], str):
                reads = Reads.from_json(raw[1]) if raw[1] is not None else None
                out[app] = Indexed(raw[0], reads)
        return out

    def _path(self, commit: str) -> Path:
        name = hashlib.sha256(commit.encode()).hexdigest()[:32]
        return (self._directory or Path()) / f"{name}.json"

    def _heads_path(self) -> Path:
        return (self._directory or Path()) / "heads.json"

    def _read(self, path: Path) -> object:
        return jsonio.read_file(path) if self._directory is not None else None
