"""How long ago, as the Slack messages and the dashboard both say it: `40s`, `3m`,
`2h 5m`, `4d 1h`."""

from __future__ import annotations

from datetime import UTC, datetime


def age(since: datetime | str | None, *, now: datetime) -> str:
    """`3m`, `2h 5m`, `4d 1h`: how long ago."""
    if since is None or since == "":
        return "?"
    moment = (
        datetime.fromisoformat(since.replace("Z", "+00:00")) if isinstance(since, str) else since
    )
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{seconds}s"
