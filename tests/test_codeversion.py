"""The code digest that keys the caches kept between runs: any edit of the code named
changes it, the install's location does not."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.codeversion import code_digest


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    def make(root: Path) -> Path:
        (root / "cachedpkg").mkdir(parents=True)
        (root / "cachedpkg" / "__init__.py").write_text("")
        (root / "cachedpkg" / "rules.py").write_text("LIMIT = 1\n")
        return root / "cachedpkg"

    first = make(tmp_path / "one")
    make(tmp_path / "two")
    monkeypatch.syspath_prepend(str(tmp_path / "one"))
    yield first
    sys.modules.pop("cachedpkg", None)
    code_digest.cache_clear()


def test_an_edit_changes_the_digest_a_new_location_does_not(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = code_digest("cachedpkg")
    (package / "rules.py").write_text("LIMIT = 2\n")
    code_digest.cache_clear()
    edited = code_digest("cachedpkg")
    assert edited != before
    # The same code installed elsewhere: the same digest.
    sys.modules.pop("cachedpkg")
    monkeypatch.syspath_prepend(str(tmp_path / "two"))
    code_digest.cache_clear()
    assert code_digest("cachedpkg") == before
