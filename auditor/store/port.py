"""The store's ports. `HealLog` is what the sync flow asks of memory (the loop guard's heal
events); the service and the bot use the whole `SqlStore` (SQLite or PostgreSQL).
Implementations are named by technology; tests may pass any object with these methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from auditor.model import ResourceKey
from auditor.remediate.loopguard import HealEvent


class HealLog(Protocol):
    """Heal events of resources, shared by CLI runs, workers and the bot."""

    def record_heal(self, event: HealEvent) -> None:
        """Remember that a resource was healed (reset to Git) at `event.time`."""
        ...

    def heals(
        self, *, app: str, cluster: str, key: ResourceKey, since: datetime
    ) -> Sequence[HealEvent]:
        """Heal events of one resource at or after `since`, oldest first."""
        ...
