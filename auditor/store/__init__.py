"""Memory across audits: apps and their latest state, audit runs, findings with their age,
policy violations, syncs, pull requests, the events notifiers send, the audit log, and the
loop guard's heal events.

`SqlStore` is SQLAlchemy over SQLite (default, a file in the cache) or PostgreSQL
(`DATABASE_URL`), its schema kept by Alembic migrations; `open_store` picks one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditor.store.port import HealLog
from auditor.store.records import Actor, EventType, FindingKind, LogEntry, RunContext, Trigger

if TYPE_CHECKING:
    from auditor.store.sql import SqlStore, StoreError, database_url, open_store

    Store = SqlStore

# SQLAlchemy and Alembic load on first use: a plain audit never opens the store.
_FROM_SQL = {"SqlStore", "Store", "StoreError", "database_url", "open_store"}


def __getattr__(name: str) -> Any:
    if name in _FROM_SQL:
        from auditor.store import sql

        return getattr(sql, "SqlStore" if name == "Store" else name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Actor",
    "EventType",
    "FindingKind",
    "HealLog",
    "LogEntry",
    "RunContext",
    "SqlStore",
    "Store",
    "StoreError",
    "Trigger",
    "database_url",
    "open_store",
]
