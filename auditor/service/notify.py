"""Delivering the store's events to notifiers (`Notifier` port). Each notifier keeps its
own cursor in the store: an event is handed to a notifier once, after the last one it
acknowledged, so a restart never loses or repeats one. The notifiers themselves (Slack,
signed webhook, commit status) register through `Service.notifiers`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from auditor.store.records import Event

if TYPE_CHECKING:
    from auditor.service.service import Service

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Sends events somewhere; `name` keys its delivery cursor."""

    name: str

    def send(self, event: Event) -> None:
        """Deliver one event, or raise to have it retried later."""
        ...


@dataclass(frozen=True)
class Delivery:
    """What one delivery did: events sent per notifier, and the notifiers that failed
    (with the error), each stopped at the event it could not send."""

    sent: Mapping[str, int] = field(default_factory=dict)
    failed: Mapping[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def deliver(service: Service) -> Delivery:
    """Hand each notifier the events after its cursor. A notifier that fails keeps its
    cursor at the event it could not send (sent again next time) and never holds up the
    others."""
    sent: dict[str, int] = {}
    failed: dict[str, str] = {}
    for notifier in service.notifiers:
        count = 0
        try:
            cursor = service.store.cursor(notifier.name)
            for event in service.store.events(after=cursor, limit=200):
                notifier.send(event)
                service.store.set_cursor(notifier.name, event.id)
                count += 1
        except Exception as exc:  # noqa: BLE001 - one notifier must not stop the others
            failed[notifier.name] = f"{type(exc).__name__}: {exc}"
            log.warning("notifier %s failed: %s", notifier.name, failed[notifier.name])
        sent[notifier.name] = count
    return Delivery(sent=sent, failed=failed)
