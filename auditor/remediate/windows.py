"""Argo CD sync windows (AppProject `syncWindows`), pure: which windows apply to an app,
which are active at `now`, and whether a sync may run. An active deny window blocks; when
allow windows exist and none is active, syncs are blocked; `manualSync: true` lets manual
syncs through. The clock is an argument.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter  # type: ignore[import-untyped]

from auditor.apps.argocd import parse_duration


@dataclass(frozen=True)
class SyncWindow:
    """One window: allow or deny, from each cron fire of `schedule` for `duration`."""

    kind: str
    schedule: str
    duration_seconds: float
    applications: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    manual_sync: bool = False
    time_zone: str = "UTC"

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> SyncWindow:
        return cls(
            kind=str(raw.get("kind") or "").lower(),
            schedule=str(raw.get("schedule") or ""),
            duration_seconds=parse_duration(raw.get("duration"), default=0.0),
            applications=tuple(str(a) for a in raw.get("applications") or ()),
            namespaces=tuple(str(n) for n in raw.get("namespaces") or ()),
            clusters=tuple(str(c) for c in raw.get("clusters") or ()),
            manual_sync=bool(raw.get("manualSync")),
            time_zone=str(raw.get("timeZone") or "UTC"),
        )

    def describe(self) -> str:
        hours = self.duration_seconds / 3600
        extra = ", manualSync" if self.manual_sync else ""
        return f"{self.kind} window '{self.schedule}' for {hours:g}h ({self.time_zone}{extra})"

    def matches(self, *, app: str, namespace: str, clusters: Iterable[str]) -> bool:
        """Whether the window applies to the app (by name, namespace or cluster glob)."""
        if any(fnmatch.fnmatchcase(app, g) for g in self.applications):
            return True
        if namespace and any(fnmatch.fnmatchcase(namespace, g) for g in self.namespaces):
            return True
        names = [c for c in clusters if c]
        return any(fnmatch.fnmatchcase(c, g) for g in self.clusters for c in names)

    def active(self, now: datetime) -> bool:
        """Whether `now` falls within `duration` after the last fire of `schedule`."""
        if not self.schedule or self.duration_seconds <= 0:
            return False
        try:
            zone = ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        local = now.astimezone(zone)
        # One second past now, so that a window starting exactly now counts as active.
        start = croniter(self.schedule, local + timedelta(seconds=1)).get_prev(datetime)
        return bool(start <= local < start + timedelta(seconds=self.duration_seconds))


@dataclass(frozen=True)
class WindowVerdict:
    """May the sync run, and if not, which window(s) blocked it."""

    allowed: bool
    blocked_by: str | None = None


def can_sync(
    windows: Sequence[Mapping[str, Any]],
    *,
    app: str,
    namespace: str,
    clusters: Iterable[str],
    manual: bool,
    now: datetime,
) -> WindowVerdict:
    """Argo CD's `SyncWindows.CanSync` for the windows that apply to this app."""
    names = tuple(clusters)
    applying = [
        w
        for w in (SyncWindow.of(raw) for raw in windows)
        if w.matches(app=app, namespace=namespace, clusters=names)
    ]
    if not applying:
        return WindowVerdict(allowed=True)
    active = [w for w in applying if w.active(now)]
    denies = [w for w in active if w.kind == "deny"]
    if denies:
        if manual and all(w.manual_sync for w in denies):
            return WindowVerdict(allowed=True)
        return WindowVerdict(allowed=False, blocked_by=f"active {denies[0].describe()}")
    if any(w.kind == "allow" for w in active):
        return WindowVerdict(allowed=True)
    allows = [w for w in applying if w.kind == "allow"]
    if allows:
        if manual and any(w.manual_sync for w in allows):
            return WindowVerdict(allowed=True)
        return WindowVerdict(
            allowed=False, blocked_by=f"outside every allow window ({allows[0].describe()})"
        )
    return WindowVerdict(allowed=True)
