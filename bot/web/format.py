"""How the dashboard writes times and diffs (pure; ages: `bot.timefmt`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def short_time(moment: datetime | str | None) -> str:
    """`2026-12-03 14:05 UTC` (a datetime, or an ISO string as the API writes it)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        except ValueError:
            return moment
        return parsed.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add, del, hunk, head, same
    text: str


def diff_lines(diff: str) -> list[DiffLine]:
    """A unified diff's lines, each with the class that colors it."""
    out = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "head"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = "same"
        out.append(DiffLine(kind, line))
    return out
