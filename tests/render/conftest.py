"""Fixtures of the render tests: a file writer into tmp_path (the repo root)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.helpers.render import Write


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write dedented text to a path relative to tmp_path (the repo root)."""

    def _write(rel: str, text: str) -> Path:
        file = tmp_path / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return file

    return _write
