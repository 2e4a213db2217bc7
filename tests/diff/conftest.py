"""Helpers for the diff tests: testdata loading and small object builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "argocd-diff"


def load(name: str) -> dict[str, Any]:
    text = (TESTDATA / name).read_text()
    data = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@pytest.fixture
def testdata() -> Path:
    return TESTDATA
