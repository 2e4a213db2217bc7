"""Reminders of drift still open: when an app has drifted for longer than one of the
configured ages (`notifications.reminders`, default 1 h and 24 h), one `drift-still-open`
event per (drift episode, age), stored like the others so each is sent once. Snoozed
apps are left out. The scheduler checks every few minutes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from auditor.store.findings import digest
from auditor.store.records import AppState, Event, EventType, NewEvent

if TYPE_CHECKING:
    from auditor.service.service import Service


def due(
    states: Iterable[AppState], *, ages: Sequence[int], sent: set[str], now: datetime
) -> list[NewEvent]:
    """The reminders due at `now` that are not in `sent` (fingerprints), pure."""
    out = []
    for state in states:
        since = state.drift_since
        if state.sync_status != "OutOfSync" or since is None:
            continue
        if state.snoozed_until is not None and state.snoozed_until > now:
            continue  # the store's times are aware UTC
        for age in sorted(ages):
            if now - since < timedelta(seconds=age):
                break
            fingerprint = digest(state.name, since.isoformat(), str(age))
            if fingerprint not in sent:
                out.append(
                    NewEvent(
                        app=state.name,
                        type=EventType.DRIFT_STILL_OPEN,
                        fingerprint=fingerprint,
                        payload={"since": since.isoformat(), "age": age},
                    )
                )
    return out


def remind(service: Service, *, now: datetime | None = None) -> list[Event]:
    """Store the reminders due now; returns the new events."""
    at = now or datetime.now(UTC)
    store = service.store
    states = [s for s in store.apps() if s.sync_status == "OutOfSync" and s.drift_since]
    sent = store.event_fingerprints(EventType.DRIFT_STILL_OPEN, apps=[s.name for s in states])
    ages = service.config.notifications.reminders
    return [store.record_event(new, at=at) for new in due(states, ages=ages, sent=sent, now=at)]
