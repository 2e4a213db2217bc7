"""`SqlStore`: the `Store` over SQLAlchemy 2.x Core, SQLite by default, PostgreSQL with
`DATABASE_URL`. Tables are created on first use; `prefix` isolates test runs and tenants.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from auditor.errors import AuditorError
from auditor.model import ResourceKey
from auditor.remediate.loopguard import HealEvent
from auditor.secretenv import read_secret


class StoreError(AuditorError):
    """The store's database cannot be reached or used."""


def database_url(*, cache_dir: Path, env: Mapping[str, str] | None = None) -> str:
    """`DATABASE_URL` (postgres:// URLs use psycopg 3), else a SQLite file in the cache."""
    env = os.environ if env is None else env
    url = read_secret("DATABASE_URL", env=env).strip()
    if not url:
        return f"sqlite:///{cache_dir / 'gitops-auditor.db'}"
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


class SqlStore:
    """Heal events in one table (`<prefix>heal_events`)."""

    def __init__(self, url: str, *, prefix: str = "") -> None:
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, future=True)
        self.metadata = MetaData()
        self.heal_events = Table(
            f"{prefix}heal_events",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("app", String(253), nullable=False, index=True),
            Column("cluster", String(253), nullable=False),
            Column("resource", String(1024), nullable=False),
            Column("time", DateTime(timezone=True), nullable=False),
            Column("fields", Text, nullable=False, default="[]"),
            Column("manager", String(253), nullable=False, default=""),
        )
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        try:
            self.metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self._safe_url()}: {_first_line(exc)}") from exc
        self._ready = True

    def record_heal(self, event: HealEvent) -> None:
        self._ensure()
        row = {
            "app": event.app,
            "cluster": event.cluster,
            "resource": _key_text(event.key),
            "time": _utc(event.time),
            "fields": json.dumps(list(event.fields)),
            "manager": event.manager,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(self.heal_events.insert().values(**row))
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self._safe_url()}: {_first_line(exc)}") from exc

    def heals(
        self, *, app: str, cluster: str, key: ResourceKey, since: datetime
    ) -> Sequence[HealEvent]:
        self._ensure()
        table = self.heal_events
        query = (
            select(table)
            .where(table.c.app == app)
            .where(table.c.cluster == cluster)
            .where(table.c.resource == _key_text(key))
            .where(table.c.time >= _utc(since))
            .order_by(table.c.time, table.c.id)
        )
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
        except SQLAlchemyError as exc:
            raise StoreError(f"store {self._safe_url()}: {_first_line(exc)}") from exc
        return [
            HealEvent(
                app=row["app"],
                cluster=row["cluster"],
                key=key,
                time=_utc(row["time"]),
                fields=tuple(json.loads(row["fields"] or "[]")),
                manager=row["manager"] or "",
            )
            for row in rows
        ]

    def drop(self) -> None:
        """Remove this store's tables (tests and `prefix`ed tenants)."""
        self.metadata.drop_all(self.engine)
        self.engine.dispose()

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)


def _key_text(key: ResourceKey) -> str:
    return json.dumps([key.group, key.kind, key.namespace, key.name], separators=(",", ":"))


def _utc(moment: datetime) -> datetime:
    """Aware UTC (SQLite returns naive datetimes: they were stored as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__


def open_store(*, cache_dir: Path, env: Mapping[str, str] | None = None) -> SqlStore:
    return SqlStore(database_url(cache_dir=cache_dir, env=env))
