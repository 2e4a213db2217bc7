"""Who owns what in a live object: managedFields lookups by `Path`.

Answers "which manager (and when) wrote this field", "which managers own anything at or
below this path" and "did one of our own managers apply this field"; decoding of
`fieldsV1` is kubesim's (`auditor.kubemeta.managed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.diff.paths import Path, from_pes, to_pes
from auditor.kubemeta.fieldpath import FieldSet
from auditor.kubemeta.managed import APPLY, ManagerEntry, decode


@dataclass(frozen=True)
class Owner:
    manager: str
    time: str


def _node(fs: FieldSet, pes: tuple[str, ...]) -> FieldSet | None:
    node: FieldSet | None = fs
    for pe in pes:
        node = node.children.get(pe) if node is not None else None
    return node


def _member(fs: FieldSet, pes: tuple[str, ...]) -> bool:
    parent = _node(fs, pes[:-1])
    return bool(pes) and parent is not None and pes[-1] in parent.members


def _atomic_ancestor(fs: FieldSet, pes: tuple[str, ...]) -> bool:
    """Whether a strict prefix of `pes` is owned as a whole (a member with no children)."""
    for k in range(1, len(pes)):
        prefix = pes[:k]
        if _member(fs, prefix) and _node(fs, prefix) is None:
            return True
    return False


def _at_or_below(fs: FieldSet, pes: tuple[str, ...]) -> bool:
    if _member(fs, pes):
        return True
    sub = _node(fs, pes)
    return sub is not None and not sub.empty()


class Ownership:
    """The managedFields of one live object, queried by `Path`."""

    def __init__(self, entries: Iterable[ManagerEntry]) -> None:
        self._entries = tuple(e for e in entries if not e.fields.empty())

    @classmethod
    def of(cls, obj: Mapping[str, Any] | None) -> Ownership:
        meta = obj.get("metadata") if obj else None
        return cls(decode(meta.get("managedFields") if isinstance(meta, Mapping) else None))

    def __bool__(self) -> bool:
        return bool(self._entries)

    def owner(self, path: Path, *, among: Iterable[str] | None = None) -> Owner:
        """The most specific owner of `path` (deepest owned prefix, latest on ties), else
        the latest owner of something below it; empty when nobody owns it. `among`
        restricts the candidates to some managers."""
        pes = to_pes(path)
        wanted = None if among is None else set(among)
        entries = [e for e in self._entries if wanted is None or e.manager in wanted]
        best: tuple[int, str, str] | None = None
        for e in entries:
            depth = max(
                (k for k in range(1, len(pes) + 1) if _member(e.fields, pes[:k])), default=0
            )
            if depth and (best is None or (depth, e.time or "") > best[:2]):
                best = (depth, e.time or "", e.manager)
        if best is not None:
            return Owner(best[2], best[1])
        below = [e for e in entries if _at_or_below(e.fields, pes)]
        if below:
            latest = max(below, key=lambda e: (e.time or "", e.manager))
            return Owner(latest.manager, latest.time or "")
        return Owner("", "")

    def managers(self, path: Path) -> set[str]:
        """Managers owning `path`, anything below it, or it as part of an atomic ancestor."""
        pes = to_pes(path)
        return {
            e.manager
            for e in self._entries
            if _at_or_below(e.fields, pes) or _atomic_ancestor(e.fields, pes)
        }

    def owns_whole(self, path: Path, managers: Iterable[str]) -> bool:
        """Whether one of `managers` owns `path` as one value (a leaf, or inside an atomic
        ancestor) rather than field by field."""
        pes = to_pes(path)
        wanted = set(managers)
        for e in self._entries:
            if e.manager not in wanted:
                continue
            if _atomic_ancestor(e.fields, pes):
                return True
            sub = _node(e.fields, pes)
            if _member(e.fields, pes) and (sub is None or sub.empty()):
                return True
        return False

    def applied(self, path: Path, managers: frozenset[str], *, below: bool = False) -> bool:
        """Whether one of `managers` owns `path` through an Apply (or, with `below`,
        anything under it)."""
        pes = to_pes(path)
        for e in self._entries:
            if e.manager not in managers or e.operation != APPLY:
                continue
            if _atomic_ancestor(e.fields, pes) or _member(e.fields, pes):
                return True
            if below and _at_or_below(e.fields, pes):
                return True
        return False

    def leaf_paths(self, managers: Iterable[str]) -> Iterator[Path]:
        """Every field owned by one of `managers`, as leaves or whole list entries."""
        wanted = set(managers)
        for e in self._entries:
            if e.manager in wanted:
                yield from _leaves(e.fields, ())


def _leaves(fs: FieldSet, prefix: tuple[str, ...]) -> Iterator[Path]:
    for pe in sorted(fs.members | set(fs.children)):
        sub = fs.children.get(pe)
        whole = pe in fs.members and (sub is None or sub.empty() or pe[:2] in ("k:", "i:"))
        if whole:
            path = from_pes((*prefix, pe))
            if path is not None:
                yield path
        elif sub is not None:
            yield from _leaves(sub, (*prefix, pe))
