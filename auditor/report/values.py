"""Short, single-line renderings of field values for tables and chat messages."""

from __future__ import annotations

import json
from typing import Any

from auditor.model import Health


def short(value: Any, *, width: int = 40) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def health_text(health: Health | None) -> str:
    """`Healthy`, or `Progressing (Deployment ns/web: Waiting for rollout ...)`; `-` for none."""
    if health is None:
        return "-"
    return f"{health.status} ({health.message})" if health.message else str(health.status)
