"""Resources that more than one app declares: Argo CD's SharedResourceWarning (pure).

Two apps that declare one object fight over it: each heal puts its own version back and
the other app drifts again. A resource is shared when another app of the same cluster
declares it (the apps audited or synced together) or when its live tracking label or
annotation names another app. A shared resource is reported on each app that declares it,
naming the others; no heal applies it and no prune deletes it, until one app lets it go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from auditor.live.tracking import DEFAULT_INSTANCE_LABEL, tracking_app
from auditor.model import AppReport, ResourceKey

Declared = Mapping[tuple[str, ResourceKey], tuple[str, ...]]  # (cluster, key) -> apps


def declared_index(apps: Iterable[tuple[str, str, Iterable[ResourceKey]]]) -> Declared:
    """(cluster, key) -> the apps that declare it, from (app, cluster, keys) triples."""
    index: dict[tuple[str, ResourceKey], set[str]] = defaultdict(set)
    for app, cluster, keys in apps:
        for key in keys:
            index[(cluster, key)].add(app)
    return {where: tuple(sorted(names)) for where, names in index.items()}


def sharers(
    app: str,
    cluster: str,
    keys: Iterable[ResourceKey],
    *,
    declared: Declared,
    live: Mapping[ResourceKey, Mapping[str, Any]],
    label_key: str = DEFAULT_INSTANCE_LABEL,
) -> dict[ResourceKey, tuple[str, ...]]:
    """The other apps each of `app`'s resources is shared with (only shared ones)."""
    out: dict[ResourceKey, tuple[str, ...]] = {}
    for key in keys:
        others = {a for a in declared.get((cluster, key), ()) if a != app}
        obj = live.get(key)
        owner = tracking_app(obj, label_key=label_key) if obj is not None else ""
        if owner and owner != app:
            others.add(owner)
        if others:
            out[key] = tuple(sorted(others))
    return out


def mark_shared(report: AppReport, shared: Mapping[ResourceKey, tuple[str, ...]]) -> AppReport:
    """The report with each shared resource marked and one warning per resource."""
    if not shared:
        return report
    resources = tuple(
        replace(d, shared_with=shared[d.key]) if d.key in shared else d for d in report.resources
    )
    warnings = tuple(
        f"SharedResourceWarning: {key.kind}/{key.name} is part of applications "
        f"{report.name} and {', '.join(others)}; no app heals or prunes it"
        for key, others in sorted(shared.items(), key=lambda item: str(item[0]))
    )
    return replace(report, resources=resources, notes=(*report.notes, *warnings))
