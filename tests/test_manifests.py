"""Hostile or sloppy YAML fails its file with one line naming file and line: alias bombs
(bounded by expanded size, at the cost of the file's own size), self-referring aliases,
duplicate keys (YAML and JSON), nesting too deep; merge keys and plain aliases still work,
and one broken app never stops the render of another."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from auditor.errors import ManifestError
from auditor.manifests import parse_text
from auditor.render import Renderer
from tests.helpers.render import make_app


def _bomb() -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "data:"]
    previous = '"lol"'
    for name in "abcdefghi":
        lines.append(f"  {name}: &{name} [{', '.join([previous] * 9)}]")
        previous = f"*{name}"
    return "\n".join(lines) + "\n"


BOMB = _bomb()


def test_an_alias_bomb_fails_fast_naming_file_and_line() -> None:
    assert len(BOMB) < 1400
    started = time.monotonic()
    with pytest.raises(ManifestError, match=r"^bomb.yaml:\d+: invalid YAML: aliases expand to"):
        parse_text(BOMB, path="bomb.yaml")
    assert time.monotonic() - started < 5  # not a timing test: a bomb would take hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metadata:\n  name: a\n  name: b\n", r"^m.yaml:3: invalid YAML: duplicate key 'name'$"),
        ("a: &x [*x]\n", r"^m.yaml:1: invalid YAML: an alias refers to the node that contains"),
        ("[" * 2000 + "]" * 2000, r"^m.yaml:1: invalid YAML: exceeded maximum nesting depth$"),
    ],
)
def test_sloppy_yaml_is_one_clear_error(text: str, expected: str) -> None:
    with pytest.raises(ManifestError, match=expected):
        parse_text(text, path="m.yaml")


def test_duplicate_json_keys_are_an_error() -> None:
    with pytest.raises(ManifestError, match=r"^m.json: invalid JSON: duplicate key 'kind'$"):
        parse_text('{"kind": "A", "kind": "B"}', path="m.json")


def test_aliases_and_merge_keys_still_work() -> None:
    [doc] = parse_text("a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2\n", path="m.yaml")
    assert doc.body == {"a": {"b": 1}, "c": {"b": 1}, "d": {"b": 1, "e": 2}}


def test_a_bomb_fails_its_app_and_the_others_render(tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bomb.yaml").write_text(BOMB)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n"
    )
    renderer = Renderer()
    bad = renderer.render(make_app("bad"), root=tmp_path, revision="worktree", cacheable=False)
    good = renderer.render(make_app("good"), root=tmp_path, revision="worktree", cacheable=False)
    assert bad.error is not None and bad.error.startswith("bad/bomb.yaml:")
    assert "\n" not in bad.error
    assert [r.key.name for r in good.resources] == ["fine"]
