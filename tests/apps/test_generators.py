"""ApplicationSet generators over real directory trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.apps.generators import (
    IN_CLUSTER,
    ClusterInfo,
    GeneratorContext,
    GeneratorError,
    generate,
)


def ctx(
    root: Path, *, clusters: list[ClusterInfo] | None = None, go: bool = True
) -> GeneratorContext:
    return GeneratorContext(
        clusters=clusters or [IN_CLUSTER],
        repo_lookup=lambda url, rev: root if url == "repo" else None,
        go_template=go,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for d in ["apps/a", "apps/b", "apps/excluded", "apps/b/nested", "other/x", "apps/.hidden"]:
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs/dev.yaml").write_text("env: dev\nregion:\n  name: eu\n")
    (tmp_path / "envs/prod.json").write_text('[{"env": "prod"}, {"env": "prod-dr"}]')
    return tmp_path


def test_list_generator() -> None:
    params = generate({"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}}, ctx(Path(".")))
    assert params == [{"env": "dev"}, {"env": "prod"}]


def test_list_generator_rejects_non_mappings() -> None:
    with pytest.raises(GeneratorError, match="elements must be a list of mappings"):
        generate({"list": {"elements": ["dev"]}}, ctx(Path(".")))


def test_clusters_generator_with_selector_and_values() -> None:
    clusters = [
        ClusterInfo(name="prod-eu", server="https://eu", labels={"env": "prod"}, annotations={}),
        ClusterInfo(name="dev", server="https://dev", labels={"env": "dev"}, annotations={}),
    ]
    spec = {
        "clusters": {
            "selector": {"matchLabels": {"env": "prod"}},
            "values": {"tier": "{{.metadata.labels.env}}-gold"},
        }
    }
    params = generate(spec, ctx(Path("."), clusters=clusters))
    assert [p["name"] for p in params] == ["prod-eu"]
    assert params[0]["server"] == "https://eu"
    assert params[0]["values"] == {"tier": "prod-gold"}


def test_clusters_generator_defaults_to_in_cluster() -> None:
    params = generate({"clusters": {}}, ctx(Path(".")))
    assert [(p["name"], p["server"]) for p in params] == [
        ("in-cluster", "https://kubernetes.default.svc")
    ]


def test_git_directories_with_include_and_exclude(tree: Path) -> None:
    spec = {
        "git": {
            "repoURL": "repo",
            "directories": [{"path": "apps/*"}, {"path": "apps/excluded", "exclude": True}],
        }
    }
    params = generate(spec, ctx(tree))
    assert [p["path"]["path"] for p in params] == ["apps/a", "apps/b"]
    assert params[1]["path"]["basename"] == "b"
    assert params[1]["path"]["segments"] == ["apps", "b"]


def test_git_directories_match_as_go_path_match(tree: Path) -> None:
    """Argo CD matches directories with Go's path.Match: `*` stays in one segment, there
    is no `**` and no braces (unlike the files generator's globs)."""

    def paths(pattern: str) -> list[str]:
        spec = {"git": {"repoURL": "repo", "directories": [{"path": pattern}]}}
        return [p["path"]["path"] for p in generate(spec, ctx(tree))]

    assert paths("apps/*/*") == ["apps/b/nested"]
    assert paths("[ao]*/?") == ["apps/a", "apps/b", "other/x"]
    assert paths("apps/**") == ["apps/a", "apps/b", "apps/excluded"]  # ** is just * *
    assert paths("{apps,other}/*") == []
    assert "apps/.hidden" not in paths("apps/*")


def test_git_files_generator_reads_yaml_and_json_lists(tree: Path) -> None:
    spec = {"git": {"repoURL": "repo", "files": [{"path": "envs/*"}]}}
    params = generate(spec, ctx(tree))
    assert [p["env"] for p in params] == ["dev", "prod", "prod-dr"]
    assert params[0]["region"] == {"name": "eu"}
    assert params[0]["path"]["path"] == "envs"
    assert params[0]["path"]["filename"] == "dev.yaml"


def test_git_generator_unknown_repo(tree: Path) -> None:
    with pytest.raises(GeneratorError, match="not available"):
        generate({"git": {"repoURL": "other", "files": [{"path": "*"}]}}, ctx(tree))


def test_matrix_of_clusters_and_git_directories(tree: Path) -> None:
    clusters = [
        ClusterInfo(name="a", server="https://a", labels={}, annotations={}),
        ClusterInfo(name="b", server="https://b", labels={}, annotations={}),
    ]
    spec = {
        "matrix": {
            "generators": [
                {"clusters": {}},
                {
                    "git": {
                        "repoURL": "repo",
                        "directories": [{"path": "apps/a"}, {"path": "apps/b"}],
                    }
                },
            ]
        }
    }
    params = generate(spec, ctx(tree, clusters=clusters))
    assert [(p["name"], p["path"]["basename"]) for p in params] == [
        ("a", "a"),
        ("a", "b"),
        ("b", "a"),
        ("b", "b"),
    ]


def test_matrix_second_generator_sees_first_params(tree: Path) -> None:
    spec = {
        "matrix": {
            "generators": [
                {"list": {"elements": [{"dir": "apps"}]}},
                {"git": {"repoURL": "repo", "directories": [{"path": "{{.dir}}/a"}]}},
            ]
        }
    }
    assert [p["path"]["path"] for p in generate(spec, ctx(tree))] == ["apps/a"]


def test_matrix_needs_two(tree: Path) -> None:
    with pytest.raises(GeneratorError, match="exactly two"):
        generate({"matrix": {"generators": [{"list": {"elements": []}}]}}, ctx(tree))


def test_unsupported_generator_is_named() -> None:
    with pytest.raises(GeneratorError, match="'scmProvider' generator is not supported"):
        generate({"scmProvider": {}}, ctx(Path(".")))
