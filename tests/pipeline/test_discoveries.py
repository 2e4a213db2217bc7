"""Discoveries kept by content: a commit (or a working tree with the same content)
discovered before is read back in a new process, equal to a fresh discovery; a new
commit, an edit of the working tree, another config or a damaged entry is discovered
anew; a discovery that read another revision of the repo is never kept (real git
repos)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import git

from auditor.config import Config
from auditor.model import Discovery
from auditor.pipeline import Pipeline
from auditor.sources.local import commit_all, init_repo

APPSET = """
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: team}
spec:
  generators:
    - git:
        repoURL: https://git.example.com/fleet.git
        revision: REVISION
        directories: [{path: apps/*}]
  template:
    metadata: {name: "{{path.basename}}"}
    spec:
      project: default
      source: {repoURL: https://git.example.com/fleet.git, targetRevision: HEAD, path: "{{path}}"}
      destination: {name: in-cluster, namespace: "{{path.basename}}"}
"""


def appset(*, revision: str = "HEAD", directories: str = "apps/*") -> str:
    return APPSET.replace("REVISION", revision).replace("apps/*", directories)


def write(root: Path, rel: str, text: str) -> None:
    file = root / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def add_app(root: Path, name: str) -> None:
    """A directory the ApplicationSet's generator makes an app of."""
    write(
        root,
        f"apps/{name}/cm.yaml",
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n",
    )


def make_repo(tmp_path: Path, *, revision: str = "HEAD") -> Path:
    tree = tmp_path / "tree"
    write(tree, "argocd/team.yaml", appset(revision=revision))
    for name in ("a", "b"):
        add_app(tree, name)
    repo = tmp_path / "repo"
    init_repo(tree, repo)
    return repo


def discover(
    tmp_path: Path, repo: Path, *, revision: str | None = "main", config: Config | None = None
) -> tuple[Pipeline, Discovery]:
    """A discovery in a new pipeline (a new process's), sharing the cache directory."""
    pipeline = Pipeline.from_config(config or Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(repo), revision)
    return pipeline, pipeline.discover(checkout)


def run_git(repo: Path, *args: str) -> None:
    git.Repo(str(repo)).git.execute(["git", *args])


def names(found: Discovery) -> set[str]:
    return {a.name for a in found.apps}


def test_a_commit_discovered_before_is_read_back_equal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    first, made = discover(tmp_path, repo)
    assert (first.discoveries.hits, first.discoveries.kept) == (0, 1)
    again, read = discover(tmp_path, repo)
    assert again.discoveries.hits == 1 and again.discoveries.kept == 0
    assert read == made and names(read) == {"a", "b"}
    assert read.apps[0].origin is not None and read.apps[0].origin.path == "argocd/team.yaml"


def test_a_new_commit_is_discovered_anew(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    discover(tmp_path, repo)
    add_app(repo, "c")
    commit_all(repo, message="a third app")
    pipeline, found = discover(tmp_path, repo)
    assert pipeline.discoveries.hits == 0
    assert names(found) == {"a", "b", "c"}


def test_a_working_tree_is_keyed_by_its_content(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    _, clean = discover(tmp_path, repo, revision=None)
    again, same = discover(tmp_path, repo, revision=None)
    assert again.discoveries.hits == 1 and same == clean
    add_app(repo, "d")
    edited, found = discover(tmp_path, repo, revision=None)
    assert edited.discoveries.hits == 0 and names(found) == {"a", "b", "d"}
    # Another edit of the same file: other content, another key.
    write(repo, "argocd/team.yaml", appset(directories="apps/d"))
    edited, found = discover(tmp_path, repo, revision=None)
    assert edited.discoveries.hits == 0 and names(found) == {"d"}
    (repo / "apps/d/cm.yaml").unlink()
    (repo / "apps/d").rmdir()
    run_git(repo, "checkout", "--", "argocd/team.yaml")
    back, found = discover(tmp_path, repo, revision=None)
    assert back.discoveries.hits == 1 and found == clean


def test_another_config_or_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    discover(tmp_path, repo)
    other = Config.model_validate({"tracking": {"method": "label"}})
    pipeline, found = discover(tmp_path, repo, config=other)
    assert pipeline.discoveries.hits == 0 and names(found) == {"a", "b"}
    for entry in (tmp_path / "cache" / "discovery").glob("*.json"):
        entry.write_text('{"revision": "x", "apps": [{"name": 1}]}')
    pipeline, found = discover(tmp_path, repo)
    assert pipeline.discoveries.hits == 0 and names(found) == {"a", "b"}


def test_a_discovery_reading_another_revision_is_never_kept(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, revision="release")
    run_git(repo, "branch", "release")
    # The working tree, not pinned to a revision: the generator reads `release`.
    first, found = discover(tmp_path, repo, revision=None)
    assert names(found) == {"a", "b"} and first.discoveries.kept == 0
    # The branch moves: the same working tree now discovers what `release` holds.
    run_git(repo, "checkout", "-q", "release")
    (repo / "apps/b/cm.yaml").unlink()
    commit_all(repo, message="drop b on release")
    run_git(repo, "checkout", "-q", "main")
    again, found = discover(tmp_path, repo, revision=None)
    assert again.discoveries.hits == 0 and names(found) == {"a"}
    # Pinned (`--revision main`), every generator reads that commit: kept.
    pinned, found = discover(tmp_path, repo)
    assert names(found) == {"a", "b"} and pinned.discoveries.kept == 1


def fresh(tmp_path: Path, repo: Path, name: str) -> Discovery:
    """The same commit discovered with no cache at all."""
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / name)
    return pipeline.discover(pipeline.checkout(str(repo), "main"))


def test_a_commit_editing_no_argo_file_carries_the_last_discovery(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    discover(tmp_path, repo)
    write(repo, "apps/a/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a2}\n")
    sha = commit_all(repo, message="edit a manifest")
    pipeline, found = discover(tmp_path, repo)
    assert pipeline.discoveries.carried == 1 and found.revision == sha
    assert found == fresh(tmp_path, repo, "fresh")
    again, same = discover(tmp_path, repo)  # and kept under its own commit
    assert again.discoveries.hits == 1 and same == found


def test_what_may_change_a_discovery_is_discovered_anew(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    discover(tmp_path, repo)
    steps = [
        ("argocd/team.yaml", appset(directories="apps/a"), {"a"}),  # an Argo CD file
        ("apps/a/cm.yaml", "# a comment\n", {"a"}),  # back to a plain edit: carried
        ("apps/b/cm.yaml", "kind: ConfigMap\n", {"a"}),  # apps/b no longer matched: carried
        ("apps/e/cm.yaml", "kind: ConfigMap\n", {"a"}),  # a new directory: anew
        ("argocd/team.yaml", appset(), {"a", "b", "e"}),
    ]
    carried = []
    for number, (rel, text, expected) in enumerate(steps):
        write(repo, rel, text)
        commit_all(repo, message=f"step {number}")
        pipeline, found = discover(tmp_path, repo)
        assert names(found) == expected, rel
        assert found == fresh(tmp_path, repo, f"fresh-{number}")
        carried.append(pipeline.discoveries.carried)
    assert carried == [0, 1, 1, 0, 0]
    # A plain manifest that becomes an Argo CD one (it names argoproj.io): anew.
    write(repo, "apps/a/cm.yaml", APPSET.replace("name: team", "name: other").replace(
        "REVISION", "HEAD").replace('"{{path.basename}}"', '"x-{{path.basename}}"'))  # fmt: skip
    commit_all(repo, message="a second ApplicationSet")
    pipeline, found = discover(tmp_path, repo)
    assert pipeline.discoveries.carried == 0
    assert {"x-a", "x-b", "x-e"} <= names(found)


def test_a_generator_reading_files_is_never_carried(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    files = APPSET.replace("directories: [{path: apps/*}]", "files: [{path: envs/*.json}]")
    write(tree, "argocd/team.yaml", files.replace("REVISION", "HEAD").replace(
        "{{path.basename}}", "{{name}}"))  # fmt: skip
    write(tree, "envs/one.json", '{"name": "one"}\n')
    repo = tmp_path / "repo"
    init_repo(tree, repo)
    _, first = discover(tmp_path, repo)
    assert names(first) == {"one"}
    write(repo, "envs/one.json", '{"name": "uno"}\n')  # no argoproj.io in it
    commit_all(repo, message="rename")
    pipeline, found = discover(tmp_path, repo)
    assert pipeline.discoveries.carried == 0 and names(found) == {"uno"}
