"""The service layer: use cases on plain values, with the store and the cluster reader
injected. A reader that cannot reach a cluster makes its apps Unknown, never Missing; the
store is opened only when something must be remembered."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from auditor.config import Config
from auditor.errors import AppNotFound
from auditor.live import ClusterSnapshot, Scope
from auditor.model import ResourceStatus, SyncStatus
from auditor.pipeline import Pipeline
from auditor.service import Service
from auditor.store import SqlStore, Store


class UnreachableReader:
    """A ClusterReader whose clusters never answer; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def read(
        self,
        cluster: str,
        *,
        wanted: Iterable[tuple[str, str]],
        versions: Iterable[tuple[str, str, str]] = (),
        scope: Scope | None = None,
    ) -> ClusterSnapshot:
        self.asked.append(cluster)
        return ClusterSnapshot(cluster=cluster, error=f"cluster {cluster} is unreachable: refused")


@pytest.fixture
def opened() -> list[Store]:
    return []


@pytest.fixture
def service(tmp_path: Path, opened: list[Store]) -> Service:
    pipeline = Pipeline.from_config(
        Config(), cache_dir=tmp_path / "cache", reader=UnreachableReader()
    )

    def factory() -> Store:
        store = SqlStore(f"sqlite:///{tmp_path / 'store.db'}")
        opened.append(store)
        return store

    return Service(pipeline=pipeline, store_factory=factory)


def test_audit_through_an_injected_reader(service: Service, example_repo: Path) -> None:
    run = service.audit(repo=str(example_repo), revision="main")
    reader = service.pipeline.reader
    assert isinstance(reader, UnreachableReader)
    clusters = {a.cluster for a in run.report.apps}
    assert sorted(reader.asked) == sorted(clusters)  # one read per cluster per round
    assert all(a.sync == SyncStatus.UNKNOWN and a.error for a in run.report.apps)
    assert any("is unreachable: refused" in (a.error or "") for a in run.report.apps)
    assert not any(r.status == ResourceStatus.MISSING for a in run.report.apps for r in a.resources)


def test_named_apps_only_and_unknown_names(service: Service, example_repo: Path) -> None:
    run = service.audit(repo=str(example_repo), revision="main", apps=["billing"])
    assert [a.name for a in run.report.apps] == ["billing"]
    with pytest.raises(AppNotFound, match="no app named 'nope' .*billing"):
        service.audit(repo=str(example_repo), revision="main", apps=["nope"])


def test_the_store_opens_only_when_a_sync_must_be_remembered(
    service: Service, example_repo: Path, opened: list[Store]
) -> None:
    dry = service.sync("billing", repo=str(example_repo), revision="main", dry_run=True)
    assert dry.sync == SyncStatus.UNKNOWN and opened == []
    run = service.audit(repo=str(example_repo), revision="main")
    assert service.remediate(run, heal=False, pr=False).syncs == () and opened == []
    service.sync("billing", repo=str(example_repo), revision="main")
    assert len(opened) == 1
    assert service.store is opened[0]  # built once per process


def test_render_and_workspace(service: Service, example_repo: Path) -> None:
    space = service.workspace(repo=str(example_repo), revision="main")
    assert space.checkout.cacheable and space.app("billing").cluster == "production"
    rendered = service.render("billing", repo=str(example_repo), revision="main")
    assert rendered.error is None and {r.key.kind for r in rendered.resources} >= {"Deployment"}
