"""The Renderer: source type dispatch, namespacing, duplicates, cache use, the example repo."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.model import App, DirectoryOptions, KustomizeOptions, RenderedApp, Resource
from auditor.render import Renderer, RenderStats
from tests.helpers import EXAMPLE_REPO
from tests.helpers.render import Write, deployment, make_app

SHA = "5f0c6a1d9e2b4c7a8f3e1d0c9b8a7f6e5d4c3b2a"

CLUSTER_ROLE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
  namespace: should-be-stripped
rules: []
"""

CRD_AND_CRS = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gates.example.com
spec:
  group: example.com
  scope: Cluster
  names:
    kind: Gate
    plural: gates
---
apiVersion: example.com/v1
kind: Gate
metadata:
  name: main
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
"""


def render(renderer: Renderer, app: App, root: Path, *, revision: str = SHA) -> RenderedApp:
    return renderer.render(app, root=root, revision=revision, cacheable=revision != "worktree")


def by_name(out: RenderedApp) -> dict[str, Resource]:
    assert out.error is None, out.error
    return {f"{r.key.kind}/{r.key.name}": r for r in out.resources}


def kustomize_app(write: Write) -> App:
    write("apps/k/deploy.yaml", deployment("web"))
    write("apps/k/kustomization.yaml", "resources: [deploy.yaml]\n")
    return make_app("apps/k", namespace="team-a")


# --- source type detection -------------------------------------------------------------


@pytest.mark.parametrize("name", ["kustomization.yaml", "kustomization.yml", "Kustomization"])
def test_kustomization_file_selects_kustomize(tmp_path: Path, write: Write, name: str) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    write(f"apps/x/{name}", "namePrefix: k-\nresources: [deploy.yaml]\n")
    renderer = Renderer()
    out = render(renderer, make_app("apps/x"), tmp_path)
    assert list(by_name(out)) == ["Deployment/k-web"]
    assert renderer.stats.kubectl_runs == 1


def test_plain_directory_without_kustomization(tmp_path: Path, write: Write) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    renderer = Renderer()
    out = render(renderer, make_app("apps/x"), tmp_path)
    assert list(by_name(out)) == ["Deployment/web"]
    assert out.resources[0].source is not None
    assert out.resources[0].source.path == "apps/x/deploy.yaml"
    assert renderer.stats.kubectl_runs == 0


def test_explicit_directory_options_win_over_a_kustomization(tmp_path: Path, write: Write) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    write("apps/x/kustomization.yaml", "namePrefix: k-\nresources: [deploy.yaml]\n")
    app = make_app("apps/x", directory=DirectoryOptions(include="deploy.yaml"))
    assert list(by_name(render(Renderer(), app, tmp_path))) == ["Deployment/web"]


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    out = render(Renderer(), make_app("apps/nope"), tmp_path)
    assert out.error == (
        "path apps/nope does not exist in https://git.example.com/org/deployments.git"
    )
    assert out.app == "app" and out.revision == SHA


def test_path_escaping_the_repository_is_refused(tmp_path: Path, write: Write) -> None:
    write("repo/apps/x/a.yaml", deployment("a"))
    out = render(Renderer(), make_app("../"), tmp_path / "repo")
    assert out.error == "path .. is outside the repository"


def test_repo_root_path(tmp_path: Path, write: Write) -> None:
    write("a.yaml", deployment("a"))
    assert list(by_name(render(Renderer(), make_app("."), tmp_path))) == ["Deployment/a"]


# --- namespacing -------------------------------------------------------------------------


def test_namespacing_rule(tmp_path: Path, write: Write) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    write(
        "apps/x/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: elsewhere\n",
    )
    write("apps/x/role.yaml", CLUSTER_ROLE)
    write("apps/x/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n")
    out = render(Renderer(), make_app("apps/x", namespace="team-a"), tmp_path)
    res = by_name(out)
    assert res["Deployment/web"].key.namespace == "team-a"
    assert res["Deployment/web"].body["metadata"]["namespace"] == "team-a"
    assert res["ConfigMap/c"].key.namespace == "elsewhere"
    assert res["ClusterRole/reader"].key.namespace == ""
    assert "namespace" not in res["ClusterRole/reader"].body["metadata"]
    assert res["Namespace/team-a"].key.namespace == ""


def test_crd_in_the_same_render_declares_cluster_scope(tmp_path: Path, write: Write) -> None:
    write("apps/x/crds.yaml", CRD_AND_CRS)
    res = by_name(render(Renderer(), make_app("apps/x", namespace="ns"), tmp_path))
    assert res["Gate/main"].key.namespace == ""
    assert res["Widget/w"].key.namespace == "ns"


def test_cluster_scoped_kinds_from_the_caller(tmp_path: Path, write: Write) -> None:
    write("apps/x/crds.yaml", CRD_AND_CRS)
    renderer = Renderer(cluster_scoped_kinds=[("example.com", "Widget")])
    res = by_name(render(renderer, make_app("apps/x", namespace="ns"), tmp_path))
    assert res["Widget/w"].key.namespace == ""


def test_kustomize_output_is_namespaced_too(tmp_path: Path, write: Write) -> None:
    res = by_name(render(Renderer(), kustomize_app(write), tmp_path))
    assert res["Deployment/web"].key.namespace == "team-a"


# --- duplicates --------------------------------------------------------------------------


def test_duplicates_are_a_warning_and_the_last_one_wins(tmp_path: Path, write: Write) -> None:
    """Argo CD's RepeatedResourceWarning: the app renders (not an error that would make it
    Unknown), with the last definition, and a warning naming both places."""
    write("apps/x/a.yaml", deployment("web"))
    write(
        "apps/x/b.yaml",
        "# the same object, namespace spelled out\n"
        + textwrap.dedent(deployment("web", namespace="ns")).lstrip(),
    )
    write("apps/x/c.yaml", deployment("other"))
    out = render(Renderer(), make_app("apps/x", namespace="ns"), tmp_path)
    assert out.error is None
    assert [(r.key.name, r.source.path if r.source else "") for r in out.resources] == [
        ("web", "apps/x/b.yaml"),
        ("other", "apps/x/c.yaml"),
    ]
    assert out.notes == (
        "warning: resource Deployment.apps ns/web appeared 2 times among application "
        "resources (apps/x/a.yaml:1, apps/x/b.yaml:2); the last one is used",
    )


def test_same_name_in_different_namespaces_is_fine(tmp_path: Path, write: Write) -> None:
    write("apps/x/a.yaml", deployment("web"))
    write("apps/x/b.yaml", deployment("web", namespace="b"))
    out = render(Renderer(), make_app("apps/x", namespace="a"), tmp_path)
    assert sorted(r.key.namespace for r in out.resources) == ["a", "b"]


# --- cache -------------------------------------------------------------------------------


def test_second_render_of_the_same_sha_runs_no_kubectl(tmp_path: Path, write: Write) -> None:
    app = kustomize_app(write)
    renderer = Renderer()
    first = render(renderer, app, tmp_path)
    second = render(renderer, app, tmp_path)
    assert first == second and first.error is None
    assert renderer.stats == RenderStats(
        renders=2, cache_hits=1, kubectl_runs=1, helm_runs=0, keyed_by_commit=1
    )


def test_disk_cache_serves_a_new_renderer_without_kubectl(tmp_path: Path, write: Write) -> None:
    app = kustomize_app(write)
    cache_dir = tmp_path / "cache"
    first = render(Renderer(cache_dir=cache_dir), app, tmp_path)
    offline = Renderer(cache_dir=cache_dir, kubectl=Path("/nonexistent"))
    second = render(offline, app, tmp_path)
    assert second == first and second.error is None
    assert offline.stats.kubectl_runs == 0 and offline.stats.cache_hits == 1


def test_a_commit_seen_before_is_keyed_without_reading_its_files(
    tmp_path: Path, write: Write
) -> None:
    app = kustomize_app(write)
    cache_dir = tmp_path / "cache"
    first = Renderer(cache_dir=cache_dir)
    rendered = render(first, app, tmp_path)
    first.flush()
    # A new process: the commit's index names the render's inputs key, so the app's
    # files are not read to key it (a commit never changes: this tree is rewritten
    # under the same SHA only to show that nothing was read).
    write("apps/k/deploy.yaml", deployment("changed"))
    again = Renderer(cache_dir=cache_dir, kubectl=Path("/nonexistent"))
    assert render(again, app, tmp_path) == rendered
    assert again.stats.keyed_by_commit == 1 and again.stats.cache_hits == 1
    # Another commit: keyed by reading its inputs, so the change is rendered.
    other = Renderer(cache_dir=cache_dir)
    changed = render(other, app, tmp_path, revision="a" * 40)
    assert list(by_name(changed)) == ["Deployment/changed"]
    assert other.stats.keyed_by_commit == 0 and other.stats.kubectl_runs == 1


def test_different_options_are_different_entries(tmp_path: Path, write: Write) -> None:
    app = kustomize_app(write)
    renderer = Renderer(cache_dir=tmp_path / "cache")
    plain = render(renderer, app, tmp_path)
    prefixed_app = make_app(
        "apps/k", namespace="team-a", kustomize=KustomizeOptions(name_prefix="p-")
    )
    prefixed = render(renderer, prefixed_app, tmp_path)
    other_ns = render(renderer, make_app("apps/k", namespace="team-b"), tmp_path)
    assert list(by_name(plain)) == ["Deployment/web"]
    assert list(by_name(prefixed)) == ["Deployment/p-web"]
    assert other_ns.resources[0].key.namespace == "team-b"
    assert renderer.stats.kubectl_runs == 3
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 3


def test_worktree_renders_are_cached_by_their_content(tmp_path: Path, write: Write) -> None:
    app = kustomize_app(write)
    renderer = Renderer(cache_dir=tmp_path / "cache")
    render(renderer, app, tmp_path, revision="worktree")
    original = (tmp_path / "apps/k/kustomization.yaml").read_text()
    write("apps/k/kustomization.yaml", "namePrefix: changed-\nresources: [deploy.yaml]\n")
    out = renderer.render(app, root=tmp_path, revision="worktree", cacheable=False)
    assert list(by_name(out)) == ["Deployment/changed-web"]  # an edit is never served stale
    assert renderer.stats.kubectl_runs == 2 and renderer.stats.cache_hits == 0
    again = renderer.render(app, root=tmp_path, revision="worktree", cacheable=False)
    assert list(by_name(again)) == ["Deployment/changed-web"]
    assert renderer.stats.kubectl_runs == 2 and renderer.stats.cache_hits == 1
    (tmp_path / "apps/k/kustomization.yaml").write_text(original)
    back = renderer.render(app, root=tmp_path, revision="worktree", cacheable=False)
    assert list(by_name(back)) == ["Deployment/web"]  # the first render, by its content
    assert renderer.stats.kubectl_runs == 2 and renderer.stats.cache_hits == 2


def test_failed_build_is_cached_but_missing_kubectl_is_not(tmp_path: Path, write: Write) -> None:
    write("apps/bad/kustomization.yaml", "resources: [missing.yaml]\n")
    app = make_app("apps/bad")
    cache_dir = tmp_path / "cache"
    offline = Renderer(cache_dir=cache_dir, kubectl=Path("/nonexistent"))
    transient = render(offline, app, tmp_path)
    assert (
        transient.error
        == "kustomize build apps/bad failed: kubectl kustomize not found at /nonexistent"
    )
    first = render(Renderer(cache_dir=cache_dir), app, tmp_path)
    assert first.error is not None and "missing.yaml" in first.error
    again = render(offline, app, tmp_path)
    assert again.error == first.error
    assert offline.stats.cache_hits == 1


def test_returned_bodies_do_not_alias_the_cache(tmp_path: Path, write: Write) -> None:
    write("apps/x/deploy.yaml", deployment("web"))
    renderer = Renderer()
    first = render(renderer, make_app("apps/x"), tmp_path)
    first.resources[0].body["metadata"]["name"] = "mutated"
    second = render(renderer, make_app("apps/x"), tmp_path)
    assert second.resources[0].key.name == "web"
    assert second.resources[0].body["metadata"]["name"] == "web"


# --- the example repository --------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "replicas", "tag"),
    [("production", 5, "v1.4.2"), ("staging", None, "v1.4.3"), ("dev", None, "v1.5.0-rc.1")],
)
def test_example_my_api_overlays(env: str, replicas: int | None, tag: str) -> None:
    app = make_app(f"apps/my-api/overlays/{env}", namespace=env, name=f"my-api-{env}")
    out = Renderer().render(app, root=EXAMPLE_REPO, revision=SHA, cacheable=False)
    res = by_name(out)
    dep = res["Deployment/my-api"]
    assert dep.key.namespace == env
    assert {r.key.namespace for r in out.resources} == {env}
    container = dep.body["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"myregistry.com/my-api:{tag}"
    if replicas is not None:
        assert dep.body["spec"]["replicas"] == replicas
    assert dep.source is not None and dep.source.path == "apps/my-api/base/deployment.yaml"
    assert ("PodDisruptionBudget/my-api" in res) is (env == "production")
