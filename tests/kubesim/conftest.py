"""Fixtures of the kubesim tests: one running simulator per test module (kubectl calls are
the expensive part, so modules share a cluster and use distinct object names)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.kubesim.testing import RunningSim, running_kubesim


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSim]:
    with running_kubesim(tmp_path_factory.mktemp("kubesim")) as running:
        yield running
