"""Short, single-line renderings of field values for tables and chat messages."""

from __future__ import annotations

import json
from typing import Any


def short(value: Any, *, width: int = 40) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"
