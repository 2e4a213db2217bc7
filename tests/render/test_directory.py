"""Directory apps: file selection, multi-document YAML, lists, JSON, skips and errors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from auditor.model import DirectoryOptions, SourceLocation
from auditor.render.directory import compile_glob, render_directory
from auditor.render.documents import Manifest
from tests.helpers.render import Write, deployment


def names(manifests: Iterable[Manifest]) -> list[str]:
    return [m.body["metadata"]["name"] for m in manifests]


def test_plain_directory_reads_yaml_yml_and_json_not_subdirectories(
    tmp_path: Path, write: Write
) -> None:
    write("apps/x/a.yaml", deployment("a"))
    write("apps/x/b.yml", deployment("b"))
    write(
        "apps/x/c.json",
        json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}}),
    )
    write("apps/x/notes.txt", "not a manifest")
    write("apps/x/sub/d.yaml", deployment("d"))
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    assert raw.error is None
    assert names(raw.manifests) == ["a", "b", "c"]
    assert raw.manifests[2].source == SourceLocation("apps/x/c.json", 1)


def test_recurse_includes_subdirectories_in_sorted_order(tmp_path: Path, write: Write) -> None:
    write("apps/x/z.yaml", deployment("z"))
    write("apps/x/sub/deeper/d.yaml", deployment("d"))
    write("apps/x/.git/config.yaml", deployment("git"))
    raw = render_directory(
        tmp_path / "apps/x", root=tmp_path, options=DirectoryOptions(recurse=True)
    )
    assert names(raw.manifests) == ["d", "z"]
    assert raw.manifests[0].source.path == "apps/x/sub/deeper/d.yaml"


def test_include_and_exclude_globs_match_path_relative_to_app(tmp_path: Path, write: Write) -> None:
    write("apps/x/deploy.yaml", deployment("deploy"))
    write("apps/x/svc.yml", deployment("svc"))
    write("apps/x/extra/more.yaml", deployment("more"))
    write("apps/x/extra/skip-me.yaml", deployment("skipped"))
    opts = DirectoryOptions(recurse=True, include="{*.yml,extra/*}", exclude="*skip-*")
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=opts)
    assert names(raw.manifests) == ["more", "svc"]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.yaml", "a.yaml", True),
        ("*.yaml", "sub/a.yaml", True),  # `*` crosses `/`, as in Argo CD
        ("{a,b}.yaml", "b.yaml", True),
        ("{a,b}.yaml", "c.yaml", False),
        ("[!x]*.json", "x.json", False),
        ("[!x]*.json", "y.json", True),
        ("file?.yaml", "file1.yaml", True),
        ("a.b", "axb", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_glob(pattern).fullmatch(path)) is matches


def test_multi_document_yaml_and_list_carry_their_lines(tmp_path: Path, write: Write) -> None:
    write(
        "apps/x/all.yaml",
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: one
        ---
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: two
          - apiVersion: v1
            kind: ConfigMap
            metadata:
              name: three
        ---
        # an empty document is ignored
        """,
    )
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    assert names(raw.manifests) == ["one", "two", "three"]
    assert [m.source.line for m in raw.manifests] == [1, 6, 6]


def test_non_kubernetes_yaml_is_skipped_with_a_note(tmp_path: Path, write: Write) -> None:
    write("apps/x/values.yaml", "replicaCount: 3\nimage: nginx\n")
    write("apps/x/deploy.yaml", deployment("web"))
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    assert names(raw.manifests) == ["web"]
    assert raw.notes == ("skipped apps/x/values.yaml: not a Kubernetes object",)


def test_kustomize_config_in_a_recursed_directory_is_not_an_object(
    tmp_path: Path, write: Write
) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    write(
        "apps/x/sub/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
    )
    raw = render_directory(
        tmp_path / "apps/x", root=tmp_path, options=DirectoryOptions(recurse=True)
    )
    assert names(raw.manifests) == ["web"]
    assert raw.notes and raw.notes[0].startswith("skipped apps/x/sub/kustomization.yaml: kustomize")


def test_malformed_yaml_names_file_and_line(tmp_path: Path, write: Write) -> None:
    write("apps/x/good.yaml", deployment("web"))
    write("apps/x/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n")
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    assert raw.error is not None
    assert raw.error.startswith("apps/x/bad.yaml:")
    assert "invalid YAML" in raw.error
    assert raw.deterministic


def test_object_without_a_name_is_an_error(tmp_path: Path, write: Write) -> None:
    write("apps/x/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n")
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    assert raw.error == "apps/x/cm.yaml:1: ConfigMap has no metadata.name"


def test_yaml_timestamps_become_strings(tmp_path: Path, write: Write) -> None:
    write(
        "apps/x/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
        "  annotations:\n    since: 2024-01-02\ndata:\n  1: one\n",
    )
    raw = render_directory(tmp_path / "apps/x", root=tmp_path, options=None)
    body = raw.manifests[0].body
    assert body["metadata"]["annotations"]["since"] == "2024-01-02"
    assert body["data"] == {"1": "one"}
    json.dumps(body)


def test_symlink_out_of_the_repository_is_skipped(tmp_path: Path, write: Write) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(deployment("leak"), encoding="utf-8")
    repo = tmp_path / "repo"
    (repo / "apps/x").mkdir(parents=True)
    (repo / "apps/x/link.yaml").symlink_to(outside / "secret.yaml")
    raw = render_directory(repo / "apps/x", root=repo, options=None)
    assert raw.manifests == ()
    assert raw.notes == ("skipped apps/x/link.yaml: symlink points outside the repository",)
