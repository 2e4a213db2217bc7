"""The `Store` port: what the pipeline asks of persistent memory (heal events so far).

Implementations are named by technology (`SqlStore`); tests may pass any object with
these methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from auditor.model import ResourceKey
from auditor.remediate.loopguard import HealEvent


class Store(Protocol):
    """Persistent memory shared by CLI runs, workers and the bot."""

    def record_heal(self, event: HealEvent) -> None:
        """Remember that a resource was healed (reset to Git) at `event.time`."""
        ...

    def heals(
        self, *, app: str, cluster: str, key: ResourceKey, since: datetime
    ) -> Sequence[HealEvent]:
        """Heal events of one resource at or after `since`, oldest first."""
        ...
