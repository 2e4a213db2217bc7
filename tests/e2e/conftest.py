"""A synced demo world per test: two kubesim clusters, the example repo, every app applied
with the real kubectl (as Argo CD's first sync would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.demo.tour import DemoWorld, demo_world, install_crds, sync_all
from tests.helpers import EXAMPLE_REPO


@pytest.fixture
def world(tmp_path: Path) -> Iterator[DemoWorld]:
    with demo_world(EXAMPLE_REPO, tmp_path) as w:
        install_crds(w)
        sync_all(w)
        yield w
