"""The diff stage's entry points: `diff_resource` (one object) and `diff_app` (pairing).

Normalizes, removes ignored and excepted fields, runs the desired/live walk (and the
predicted/live walk in server-side diff mode), then builds the masked `ResourceDrift`.
Pure: no IO, clock or environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.diff.compare import Change, Findings, compare
from auditor.diff.ignore import exception_paths, ignored_paths, matching_rules
from auditor.diff.managed import Ownership
from auditor.diff.memo import DiffMemo, options_digest, pair_key
from auditor.diff.normalize import last_applied, normalize
from auditor.diff.options import DiffOptions
from auditor.diff.paths import Path, delete, render
from auditor.diff.predicted import compare_predicted
from auditor.diff.schema import root_node
from auditor.diff.secrets import is_secret, masked, shown_value
from auditor.diff.text import sync_target, unified
from auditor.model import (
    FieldChange,
    Resource,
    ResourceDrift,
    ResourceKey,
    ResourceStatus,
    UnmanagedChange,
)

_DEFAULT_OPTIONS = DiffOptions()


def _version(obj: Mapping[str, Any]) -> str:
    return str(obj.get("apiVersion") or "").rpartition("/")[2]


def diff_resource(
    desired: Mapping[str, Any] | None,
    live: Mapping[str, Any] | None,
    *,
    options: DiffOptions = _DEFAULT_OPTIONS,
    predicted_live: Mapping[str, Any] | None = None,
) -> ResourceDrift:
    """Compare one desired object (Git) with its live counterpart (cluster).

    `desired` None means the object is only live (`Extra`), `live` None only in Git
    (`Missing`). With `predicted_live` (a server-side apply dry run of `desired`), the
    prediction is compared with live, as Argo CD's server-side diff does.
    """
    if desired is None and live is None:
        raise ValueError("diff_resource needs a desired or a live object")
    if live is None:
        assert desired is not None
        return _one_sided(desired, status=ResourceStatus.MISSING)
    if desired is None:
        return _one_sided(live, status=ResourceStatus.EXTRA)
    return _compare_pair(desired, live, options=options, predicted_live=predicted_live)


def _one_sided(obj: Mapping[str, Any], *, status: ResourceStatus) -> ResourceDrift:
    """A resource only in Git (`Missing`: all added) or only live (`Extra`: all removed)."""
    body = normalize(obj)
    shown = masked(body)
    diff = unified(None, shown) if status == ResourceStatus.MISSING else unified(shown, None)
    return ResourceDrift(key=ResourceKey.of(obj), version=_version(obj), status=status, diff=diff)


def _compare_pair(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    options: DiffOptions,
    predicted_live: Mapping[str, Any] | None,
) -> ResourceDrift:
    key = ResourceKey.of(live)
    d, lv = normalize(desired), normalize(live)
    la = last_applied(live)
    p = normalize(predicted_live) if predicted_live is not None else None
    node = root_node(desired, options.crd_schemas, options.definitions)
    owners = Ownership.of(live)
    rules = matching_rules(options.ignore_differences, key)
    skipped = ignored_paths(rules, [d, lv, p], node=node, ownership=owners)
    skipped.extend(exception_paths(d, lv, key=key, options=options, ownership=owners))
    for obj in (d, lv, la, p):
        for path in skipped:
            delete(obj, path)

    found = compare(d, lv, last_applied=la, node=node, ownership=owners, options=options)
    changes = found.changes
    if p is not None and predicted_live is not None:
        predicted = compare_predicted(
            p,
            lv,
            desired=d,
            node=node,
            predicted_owners=Ownership.of(predicted_live),
            live_owners=owners,
            own_managers=options.own_managers,
        )
        changes = _dedupe([*predicted, *(c for c in changes if c.desired is None)])
    changes = sorted(changes, key=lambda c: render(c.path))
    return _build(
        key,
        version=_version(desired),
        live=lv,
        changes=changes,
        found=found,
        owners=owners,
        options=options,
    )


def _dedupe(changes: Iterable[Change]) -> list[Change]:
    seen: set[Path] = set()
    out = []
    for change in changes:
        if change.path not in seen:
            seen.add(change.path)
            out.append(change)
    return out


def _build(
    key: ResourceKey,
    *,
    version: str,
    live: dict[str, Any],
    changes: list[Change],
    found: Findings,
    owners: Ownership,
    options: DiffOptions,
) -> ResourceDrift:
    secret = is_secret(live)

    def shown(path: Path, value: Any) -> Any:
        return shown_value(path, value, secret=secret)

    field_changes = []
    for c in changes:
        owner = owners.owner(c.path) if c.live is not None else None
        field_changes.append(
            FieldChange(
                path=render(c.path),
                desired=shown(c.path, c.desired),
                live=shown(c.path, c.live),
                manager=owner.manager if owner else "",
                time=owner.time if owner else "",
            )
        )
    unmanaged = sorted(
        (
            UnmanagedChange(
                path=render(u.path), live=shown(u.path, u.live), manager=u.manager, time=u.time
            )
            for u in found.unmanaged
        ),
        key=lambda u: u.path,
    )
    out_of_sync = bool(changes) or (options.strict and bool(unmanaged))
    applied = list(changes)
    if options.strict:
        applied.extend(Change(u.path, None, u.live) for u in found.unmanaged)
    target = sync_target(live, applied)
    before, after = masked(live), masked(target)
    return ResourceDrift(
        key=key,
        version=version,
        status=ResourceStatus.OUT_OF_SYNC if out_of_sync else ResourceStatus.SYNCED,
        changes=tuple(field_changes),
        unmanaged=tuple(unmanaged),
        diff=unified(before, after) if out_of_sync else "",
    )


def diff_app(
    desired: Sequence[Resource],
    live: Sequence[Mapping[str, Any]],
    *,
    options: DiffOptions = _DEFAULT_OPTIONS,
    predicted: Mapping[ResourceKey, Mapping[str, Any]] | None = None,
    memo: DiffMemo | None = None,
) -> tuple[ResourceDrift, ...]:
    """Pair an app's desired resources with its live objects by key and diff each pair.

    A cluster-scoped live object pairs with a desired one that names a namespace. Live
    objects with no desired counterpart are `Extra`. Sorted by key. With a `memo`, a pair
    compared before (same desired body, same live resourceVersion, same options) is not
    compared again; server-side predictions are never memoized.
    """
    if not options.facts:  # nothing says which cluster facts the comparison used
        memo = None
    settings = options_digest(options) if memo is not None else ""

    def diffed(
        body: Mapping[str, Any] | None,
        obj: Mapping[str, Any] | None,
        pred: Mapping[str, Any] | None = None,
    ) -> ResourceDrift:
        key = pair_key(body, obj, options=settings) if memo is not None and pred is None else None
        if key is not None and memo is not None and (hit := memo.get(key)) is not None:
            return hit
        drift = diff_resource(body, obj, options=options, predicted_live=pred)
        if key is not None and memo is not None:
            memo.put(key, drift)
        return drift

    live_by_key: dict[ResourceKey, Mapping[str, Any]] = {}
    for obj in live:
        live_by_key.setdefault(ResourceKey.of(obj), obj)
    used: set[ResourceKey] = set()
    out: list[ResourceDrift] = []
    for res in desired:
        key = res.key
        if key not in live_by_key:
            key = ResourceKey(res.key.group, res.key.kind, "", res.key.name)
        found = live_by_key.get(key)
        if found is not None:
            used.add(key)
        pred: Mapping[str, Any] | None = None
        if predicted is not None:
            pred = predicted.get(res.key) or predicted.get(key)
        out.append(diffed(res.body, found, pred))
    for key, obj in live_by_key.items():
        if key not in used:
            out.append(diffed(None, obj))
    return tuple(sorted(out, key=lambda r: r.key))
