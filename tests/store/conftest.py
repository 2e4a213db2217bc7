"""A fresh store per test, on SQLite (a file) and on the real PostgreSQL (a new database
per test, dropped afterwards), so the whole store suite runs on both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from auditor.store import SqlStore

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        made = SqlStore(f"sqlite:///{tmp_path / 'state' / 'db.sqlite'}")
        yield made
        made.engine.dispose()
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    made = SqlStore(f"{POSTGRES}/{name}")
    try:
        yield made
    finally:
        made.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
