"""Server-side diff: the predicted live object (an SSA dry run of Git's) against live.

A difference is drift when our own manager owns it in the prediction (Git set it), or when
our manager owned it live and no longer does in the prediction (Git dropped it). Anything
else the prediction changes (mutation webhooks, defaults) is not Git's and is ignored. A
prediction without managedFields falls back to "the desired object declares the field".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.diff.compare import Change
from auditor.diff.managed import Ownership
from auditor.diff.paths import MISSING, Field, Key, Path, key_of, lookup
from auditor.diff.schema import child, element, list_shape
from auditor.diff.secrets import is_secret
from auditor.diff.values import IDENTITY, is_empty, values_equal
from auditor.kubemeta.schema import Node

_DATA, _STRING_DATA = Field("data"), Field("stringData")


def compare_predicted(
    predicted: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    desired: Mapping[str, Any],
    node: Node | None,
    predicted_owners: Ownership,
    live_owners: Ownership,
    own_managers: frozenset[str],
) -> list[Change]:
    walk = _PredictedWalk(predicted_owners, live_owners, own_managers, desired=desired)
    walk.value(predicted, live, node, ())
    return walk.changes


class _PredictedWalk:
    def __init__(
        self,
        predicted: Ownership,
        live: Ownership,
        own: frozenset[str],
        *,
        desired: Mapping[str, Any],
    ) -> None:
        self.desired = desired
        self.secret = is_secret(desired)
        self.predicted = predicted
        self.live = live
        self.own = own
        self.changes: list[Change] = []

    def _ours_predicted(self, path: Path, *, below: bool = True) -> bool:
        if not self.predicted:
            return lookup(self.desired, path) is not MISSING
        return any(self.predicted.applied(p, self.own, below=below) for p in self._as_set(path))

    def _as_set(self, path: Path) -> tuple[Path, ...]:
        """A Secret's `data` value is owned as the `stringData` field Git set it through
        (the API server folds one into the other; the ownership stays `stringData`'s)."""
        if self.secret and path[:1] == (_DATA,):
            return (path, (_STRING_DATA, *path[1:]))
        return (path,)

    def value(self, p: Any, live: Any, node: Node | None, path: Path) -> None:
        if path in IDENTITY:
            return
        if is_empty(p) and is_empty(live):
            return
        if is_empty(live):
            if self._ours_predicted(path):
                self.changes.append(Change(path, p, None))
            return
        if is_empty(p):
            owned_live = any(self.live.applied(q, self.own, below=True) for q in self._as_set(path))
            if owned_live and not self._ours_predicted(path):
                self.changes.append(Change(path, None, live))
            return
        if isinstance(p, Mapping) and isinstance(live, Mapping):
            for name in dict.fromkeys([*p, *live]):
                sub = (*path, Field(name))
                self.value(p.get(name, MISSING), live.get(name, MISSING), child(node, name), sub)
            return
        if isinstance(p, list) and isinstance(live, list):
            shape = list_shape(node, p, live)
            if shape.mode == "map":
                self._keyed(p, live, node, path, shape.keys)
                return
        if not values_equal(p, live, node=node):
            if self._ours_predicted(path, below=False):
                self.changes.append(Change(path, p, live))

    def _keyed(
        self, p: list[Any], live: list[Any], node: Node | None, path: Path, keys: tuple[str, ...]
    ) -> None:
        def index(items: list[Any]) -> dict[Key, Any]:
            out: dict[Key, Any] = {}
            for item in items:
                if isinstance(item, Mapping):
                    out.setdefault(key_of(item, keys), item)
            return out

        p_index, live_index = index(p), index(live)
        for key in dict.fromkeys([*p_index, *live_index]):
            self.value(
                p_index.get(key, MISSING), live_index.get(key, MISSING), element(node), (*path, key)
            )
