"""Memory across audits: apps and their latest state, audit runs, findings with their age,
policy violations, syncs, pull requests, the events notifiers send, the audit log, and the
loop guard's heal events.

`SqlStore` is SQLAlchemy over SQLite (default, a file in the cache) or PostgreSQL
(`DATABASE_URL`), its schema kept by Alembic migrations; `open_store` picks one.
"""

from auditor.store.port import HealLog
from auditor.store.records import Actor, EventType, FindingKind, LogEntry, RunContext, Trigger
from auditor.store.sql import SqlStore, StoreError, database_url, open_store

Store = SqlStore

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
