"""The loop guard, pure: a resource healed more than `max_heals` times within
`window_seconds` is being fought by someone's controller; stop healing it and name the
field manager it fights (the most frequent writer of the fields we kept resetting).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auditor.model import ResourceKey


@dataclass(frozen=True)
class HealEvent:
    """One heal of one resource: which fields we reset and who had written them."""

    app: str
    cluster: str
    key: ResourceKey
    time: datetime
    fields: tuple[str, ...] = ()
    manager: str = ""


@dataclass(frozen=True)
class LoopVerdict:
    """Whether a resource is loop-guarded, why, and the manager it fights."""

    guarded: bool
    reason: str = ""
    manager: str = ""


def judge(
    events: Iterable[HealEvent],
    *,
    now: datetime,
    max_heals: int,
    window_seconds: float,
    current_managers: Iterable[str] = (),
) -> LoopVerdict:
    """Guarded when `max_heals` heals already happened within the window before `now`."""
    since = now - timedelta(seconds=window_seconds)
    recent = [e for e in events if since <= e.time <= now]
    if len(recent) < max_heals:
        return LoopVerdict(guarded=False)
    writers = Counter(m for e in recent if (m := e.manager))
    writers.update(m for m in current_managers if m)
    manager = writers.most_common(1)[0][0] if writers else "an unknown manager"
    minutes = window_seconds / 60
    return LoopVerdict(
        guarded=True,
        reason=(
            f"loop guard: healed {len(recent)} times in the last {minutes:g} min and drifted "
            f"again; it fights {manager} (fix that controller or Git, then sync by hand)"
        ),
        manager=manager,
    )


def dominant_manager(managers: Iterable[str]) -> str:
    counts = Counter(m for m in managers if m)
    return counts.most_common(1)[0][0] if counts else ""
