"""Delivering the store's events to notifiers (`Notifier` port). Each notifier keeps its
own cursor in the store: an event is handed to a notifier once, after the last one it
acknowledged, so a restart never loses or repeats one. The notifiers themselves (Slack,
signed webhook, commit status) register through `Service.notifiers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from auditor.store.records import Event

if TYPE_CHECKING:
    from auditor.service.service import Service


class Notifier(Protocol):
    """Sends events somewhere; `name` keys its delivery cursor."""

    name: str

    def send(self, event: Event) -> None:
        """Deliver one event, or raise to have it retried later."""
        ...


def deliver(service: Service) -> int:
    sent = 0
    for notifier in service.notifiers:
        cursor = service.store.cursor(notifier.name)
        for event in service.store.events(after=cursor, limit=200):
            notifier.send(event)
            service.store.set_cursor(notifier.name, event.id)
            sent += 1
    return sent
