"""A new commit of a repo audited before: its apps are keyed from the last commit's index
unless the paths git says changed touch what their key read, so a commit that changes
one overlay reads that overlay, a change to a shared base re-renders every app on it,
and a tree with symbolic links is keyed by reading it. A working tree is its HEAD with
the paths `git status` names changed (real git repos, real kubectl)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from auditor.config import Config
from auditor.model import App
from auditor.pipeline import Pipeline
from auditor.sources.local import commit_all, init_repo
from tests.helpers.render import deployment, make_app

NAMES = ("a", "b", "c")


def write(root: Path, rel: str, text: str) -> None:
    file = root / rel
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def fleet(tmp_path: Path) -> tuple[Path, list[App]]:
    tree = tmp_path / "tree"
    write(tree, "base/deploy.yaml", deployment("web"))
    write(tree, "base/kustomization.yaml", "resources: [deploy.yaml]\n")
    for name in NAMES:
        write(tree, f"apps/{name}/kustomization.yaml",
              f"resources: [../../base]\nnamePrefix: {name}-\n")  # fmt: skip
    # A string that may name a file: looked for, not there (a probe).
    with (tree / "apps/c/kustomization.yaml").open("a") as out:
        out.write("commonAnnotations: {note: ../../common/extra.yaml}\n")
    repo = tmp_path / "repo"
    init_repo(tree, repo)
    url = str(repo.resolve())  # the apps name the repo audited
    return repo, [make_app(f"apps/{n}", namespace=n, name=n, repo_url=url) for n in NAMES]


def audit_renders(
    tmp_path: Path, repo: Path, apps: list[App], *, revision: str | None = "main"
) -> tuple[Pipeline, dict[str, set[str]]]:
    """What an audit round does with renders, in a new process: follow, render, flush
    (`revision` None: the working tree)."""
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(repo), revision)
    pipeline.follow(checkout)
    out = {}
    for app in apps:
        rendered = pipeline.render(app, checkout)
        assert rendered.error is None, rendered.error
        out[app.name] = {r.key.name for r in rendered.resources}
    pipeline.renderer.flush()
    return pipeline, out


def test_one_changed_overlay_is_the_only_app_read(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    first, _ = audit_renders(tmp_path, repo, apps)
    assert first.renderer.stats.kubectl_runs == 3
    write(repo, "apps/b/kustomization.yaml", "resources: [../../base]\nnamePrefix: bee-\n")
    commit_all(repo, message="rename b")
    second, names = audit_renders(tmp_path, repo, apps)
    assert second.renderer.stats.kubectl_runs == 1
    assert second.renderer.stats.keyed_by_commit == 2  # a and c, from the last commit
    assert names["b"] == {"bee-web"} and names["a"] == {"a-web"}


def test_a_changed_shared_base_re_renders_every_app_on_it(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    audit_renders(tmp_path, repo, apps)
    write(repo, "base/deploy.yaml", deployment("api"))
    commit_all(repo, message="rename the base's deployment")
    again, names = audit_renders(tmp_path, repo, apps)
    assert again.renderer.stats.keyed_by_commit == 0
    assert again.renderer.stats.kubectl_runs == 3
    assert names == {n: {f"{n}-api"} for n in NAMES}


def test_a_file_an_overlay_looked_for_appearing_is_a_change(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    audit_renders(tmp_path, repo, apps)
    write(repo, "common/extra.yaml", "x: 1\n")  # outside every directory walked
    commit_all(repo, message="add common/extra.yaml")
    again, names = audit_renders(tmp_path, repo, apps)
    assert again.renderer.stats.keyed_by_commit == 2  # a and b
    assert again.renderer.stats.kubectl_runs == 1  # c: the file is now among its inputs
    assert names["c"] == {"c-web"}


def test_a_tree_with_a_symbolic_link_is_read_again(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    os.symlink("deploy.yaml", repo / "base" / "alias.yaml")
    commit_all(repo, message="a link")
    audit_renders(tmp_path, repo, apps)
    write(repo, "README.md", "unrelated\n")
    commit_all(repo, message="docs")
    again, _ = audit_renders(tmp_path, repo, apps)
    # Nothing carried from the last commit (a link's target may change under another
    # path); the renders are still reused by their content, nothing re-renders.
    assert again.renderer.stats.keyed_by_commit == 0
    assert again.renderer.stats.kubectl_runs == 0


def test_a_working_tree_reads_only_what_its_edits_touch(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    first, _ = audit_renders(tmp_path, repo, apps, revision=None)
    assert first.renderer.stats.kubectl_runs == 3 and first.renderer.stats.keyed_by_commit == 0
    # Nothing edited: every app is HEAD's, keyed from the index the first run left.
    clean, _ = audit_renders(tmp_path, repo, apps, revision=None)
    assert clean.renderer.stats.keyed_by_commit == 3 and clean.renderer.stats.kubectl_runs == 0
    for prefix in ("bee", "wasp"):  # an edit, then another edit of the same file
        write(
            repo, "apps/b/kustomization.yaml", f"resources: [../../base]\nnamePrefix: {prefix}-\n"
        )
        edited, names = audit_renders(tmp_path, repo, apps, revision=None)
        assert names["b"] == {f"{prefix}-web"} and names["a"] == {"a-web"}
        assert edited.renderer.stats.keyed_by_commit == 2
        assert edited.renderer.stats.kubectl_runs == 1


def test_untracked_and_ignored_files_are_edits_too(tmp_path: Path) -> None:
    repo, apps = fleet(tmp_path)
    write(repo, ".gitignore", "generated/\n")
    commit_all(repo, message="ignore generated/")
    audit_renders(tmp_path, repo, apps, revision=None)
    write(repo, "base/notes.txt", "untracked, in the shared base\n")
    untracked, _ = audit_renders(tmp_path, repo, apps, revision=None)
    assert untracked.renderer.stats.keyed_by_commit == 0  # every app walks the base
    (repo / "base/notes.txt").unlink()
    write(repo, "apps/a/generated/out.yaml", "x: 1\n")
    ignored, _ = audit_renders(tmp_path, repo, apps, revision=None)
    assert ignored.renderer.stats.keyed_by_commit == 2  # b and c; a walks apps/a
