"""Memory across audits: heal events for the loop guard (and, later, audit history).

`Store` is the port; `SqlStore` the SQLAlchemy implementation (SQLite file by default,
PostgreSQL when `DATABASE_URL` is set). `open_store` picks one from the environment.
"""

from auditor.store.port import Store
from auditor.store.sql import SqlStore, database_url, open_store

__all__ = ["SqlStore", "Store", "database_url", "open_store"]
