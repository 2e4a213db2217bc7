"""A memo of resource comparisons: skip the diff of a pair whose desired object and live
`resourceVersion` are both what they were when it was last diffed.

A live object at one `resourceVersion` never changes (the API server bumps it on every
write), so a comparison is a pure function of the desired body, the live object's
identity (uid, apiVersion, resourceVersion), the diff options and the masking key. The
memo's key hashes exactly those; anything it cannot hash (a live object without a
`resourceVersion`, a value JSON cannot hold) is simply diffed. Entries are plain JSON
(`encode`/`decode`), so the pipeline can keep them between runs in its cache directory.
Pure: no IO.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from auditor import jsonio
from auditor.codeversion import code_digest
from auditor.diff.options import DiffOptions
from auditor.diff.secrets import key_fingerprint
from auditor.model import FieldChange, ResourceDrift, ResourceKey, ResourceStatus, UnmanagedChange

# Bump whenever a comparison of the same inputs may come out differently.
DIFF_VERSION = "1"
Entry = list[Any]


def options_digest(options: DiffOptions) -> str:
    """The diff settings of one app on one cluster (with `options.facts`, the digest of
    what the round derived from the cluster: HPA targets, CRD schemas, definitions)."""
    return jsonio.digest(
        [
            DIFF_VERSION,
            code_digest("auditor.diff", "auditor.kubemeta", "auditor.model"),
            key_fingerprint(),
            options.facts,
            list(options.ignore_differences),
            sorted(options.controller_managers),
            sorted(options.own_managers),
            options.strict,
            options.builtin_exceptions,
        ]
    )


def pair_key(
    desired: Mapping[str, Any] | None, live: Mapping[str, Any] | None, *, options: str
) -> str | None:
    """The memo key of one comparison, or None when it cannot be memoized."""
    identity = None
    if live is not None:
        meta = live.get("metadata") or {}
        version = meta.get("resourceVersion")
        if not version:
            return None
        identity = [live.get("apiVersion"), meta.get("uid"), version]
    try:
        return jsonio.digest([options, identity, desired])
    except TypeError:
        return None


class DiffMemo:
    """Comparisons by `pair_key`: those loaded (kept encoded until used) and those made
    this round. `entries()` is what to keep: every comparison used or made since load."""

    def __init__(self, loaded: Mapping[str, Entry] | None = None) -> None:
        self._loaded = dict(loaded or {})
        self._used: dict[str, Entry] = {}
        self._made: dict[str, ResourceDrift] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> ResourceDrift | None:
        made = self._made.get(key)
        if made is not None:
            self.hits += 1
            return made
        raw = self._used.get(key) or self._loaded.get(key)
        if raw is None:
            self.misses += 1
            return None
        try:
            drift = decode(raw)
        except (TypeError, ValueError, IndexError, KeyError):
            self._loaded.pop(key, None)
            self.misses += 1
            return None
        self._used[key] = raw
        self.hits += 1
        return drift

    def put(self, key: str, drift: ResourceDrift) -> None:
        self._made[key] = drift

    def kept(self) -> dict[str, Entry]:
        """The entries it was loaded with."""
        return dict(self._loaded)

    def entries(self) -> dict[str, Entry]:
        out = dict(self._used)
        for key, drift in self._made.items():
            encoded = encode(drift)
            if encoded is not None:
                out[key] = encoded
        return out

    @property
    def changed(self) -> bool:
        return bool(self._made)


def encode(drift: ResourceDrift) -> Entry | None:
    """A comparison as plain JSON (health and sharing are the round's, not kept); None
    when a value does not survive JSON unchanged."""
    entry = [
        list(_key(drift.key)),
        drift.version,
        drift.status.value,
        [[c.path, c.desired, c.live, c.manager, c.time] for c in drift.changes],
        [[u.path, u.live, u.manager, u.time] for u in drift.unmanaged],
        drift.diff,
    ]
    try:
        same = jsonio.loads(jsonio.dumps(entry)) == entry
    except TypeError:
        return None
    return entry if same else None


def decode(entry: Entry) -> ResourceDrift:
    key, version, status, changes, unmanaged, diff = entry
    return ResourceDrift(
        key=ResourceKey(*key),
        version=version,
        status=ResourceStatus(status),
        changes=tuple(FieldChange(*c) for c in changes),
        unmanaged=tuple(UnmanagedChange(*u) for u in unmanaged),
        diff=diff,
    )


def _key(key: ResourceKey) -> Iterable[str]:
    return (key.group, key.kind, key.namespace, key.name)
