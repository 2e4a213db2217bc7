"""`SqlStore` against SQLite (a file) and the real PostgreSQL, with a table prefix per run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditor.model import ResourceKey
from auditor.remediate.loopguard import HealEvent
from auditor.store import SqlStore, database_url

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEY = ResourceKey("apps", "Deployment", "ns", "web")
OTHER = ResourceKey("", "ConfigMap", "ns", "web")
NOW = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    url = f"sqlite:///{tmp_path / 'state' / 'db.sqlite'}" if request.param == "sqlite" else POSTGRES
    made = SqlStore(url, prefix=f"t{uuid.uuid4().hex[:10]}_")
    yield made
    made.drop()


def test_heal_events_round_trip_filtered_by_resource_and_time(store: SqlStore) -> None:
    for minutes, key in ((90, KEY), (30, KEY), (10, KEY), (5, OTHER)):
        store.record_heal(
            HealEvent(
                app="a", cluster="c", key=key, time=NOW - timedelta(minutes=minutes),
                fields=("spec.replicas",), manager="fighter",
            )
        )  # fmt: skip
    store.record_heal(HealEvent(app="b", cluster="c", key=KEY, time=NOW))
    found = store.heals(app="a", cluster="c", key=KEY, since=NOW - timedelta(hours=1))
    assert [e.time for e in found] == [NOW - timedelta(minutes=30), NOW - timedelta(minutes=10)]
    assert all(e.fields == ("spec.replicas",) and e.manager == "fighter" for e in found)
    assert all(e.time.tzinfo is not None and e.key == KEY for e in found)


def test_database_url_prefers_database_url_and_uses_psycopg(tmp_path: Path) -> None:
    assert database_url(cache_dir=tmp_path, env={}) == f"sqlite:///{tmp_path / 'gitops-auditor.db'}"
    url = database_url(cache_dir=tmp_path, env={"DATABASE_URL": "postgres://u@h/db"})
    assert url == "postgresql+psycopg://u@h/db"
