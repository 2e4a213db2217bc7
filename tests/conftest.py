"""Shared fixtures: the example deployment repo as a real git repository, a pipeline with
a private cache directory, and environment isolation from the developer's own config."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config import Config
from auditor.pipeline import Pipeline
from auditor.sources.local import init_repo
from tests.helpers import EXAMPLE_REPO


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's config, cache or git credentials."""
    import os

    for name in list(os.environ):
        if name.startswith("GITOPS_AUDITOR_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """The example deployment repo as a git repository (branch main, one commit)."""
    target = tmp_path / "k8s-deployments"
    init_repo(EXAMPLE_REPO, target)
    return target


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    return Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
