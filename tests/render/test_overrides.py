"""The wrapper kustomization: Argo CD's image syntax and how overrides are expressed."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ManifestError
from auditor.model import KustomizeOptions
from auditor.render.overrides import parse_image, wrapper_kustomization


@pytest.mark.parametrize(
    ("spec", "entry"),
    [
        ("nginx:1.27", {"name": "nginx", "newTag": "1.27"}),
        (
            "nginx=ghcr.io/org/nginx:2",
            {"name": "nginx", "newName": "ghcr.io/org/nginx", "newTag": "2"},
        ),
        ("nginx=*:3", {"name": "nginx", "newTag": "3"}),
        ("registry:5000/app", {"name": "registry:5000/app"}),
        ("registry:5000/app:v1", {"name": "registry:5000/app", "newTag": "v1"}),
        ("app@sha256:" + "a" * 64, {"name": "app", "digest": "sha256:" + "a" * 64}),
        (
            "app=other@sha256:" + "b" * 64,
            {"name": "app", "newName": "other", "digest": "sha256:" + "b" * 64},
        ),
    ],
)
def test_parse_image(spec: str, entry: dict[str, str]) -> None:
    assert parse_image(spec) == entry


def test_wrapper_references_the_app_relatively_and_asks_for_origins(tmp_path: Path) -> None:
    app_dir = tmp_path / "repo/apps/x"
    wrapper = tmp_path / "scratch/w"
    config = wrapper_kustomization(app_dir, wrapper=wrapper, root=tmp_path / "repo", options=None)
    assert config["resources"] == ["../../repo/apps/x"]
    assert config["buildMetadata"] == ["originAnnotations"]
    assert set(config) == {"apiVersion", "kind", "resources", "buildMetadata"}


def test_wrapper_carries_every_override(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "apps/x").mkdir(parents=True)
    (root / "apps/x/p.yaml").write_text("- op: remove\n  path: /spec/paused\n", encoding="utf-8")
    options = KustomizeOptions(
        images=("nginx:1",),
        name_prefix="a-",
        name_suffix="-z",
        namespace="ns",
        common_labels=(("team", "t"),),
        common_annotations=(("owner", "o"),),
        patches=({"path": "p.yaml", "target": {"kind": "Deployment"}},),
        replicas=(("web", "3"),),
        components=("../../components/c",),
    )
    config = wrapper_kustomization(
        root / "apps/x", wrapper=tmp_path / "w", root=root, options=options
    )
    assert config["namePrefix"] == "a-" and config["nameSuffix"] == "-z"
    assert config["namespace"] == "ns"
    assert config["labels"] == [{"pairs": {"team": "t"}, "includeSelectors": True}]
    assert config["commonAnnotations"] == {"owner": "o"}
    assert config["images"] == [{"name": "nginx", "newTag": "1"}]
    assert config["replicas"] == [{"name": "web", "count": 3}]
    assert config["patches"] == [
        {"target": {"kind": "Deployment"}, "patch": "- op: remove\n  path: /spec/paused\n"}
    ]
    assert config["components"] == ["../repo/components/c"]


def test_non_numeric_replicas_is_an_error(tmp_path: Path) -> None:
    options = KustomizeOptions(replicas=(("web", "many"),))
    with pytest.raises(ManifestError, match="count 'many' of 'web' is not a number"):
        wrapper_kustomization(tmp_path, wrapper=tmp_path / "w", root=tmp_path, options=options)
