"""Renders keyed by their inputs: a change to an app's files, to a shared base, to a file
a generator reads from outside the app re-renders exactly the apps that read it; an
unrelated change (another app, a README) re-renders nothing; what cannot be known for
sure (a remote base, a chart repository dependency, Jsonnet) is keyed by commit."""

from __future__ import annotations

from pathlib import Path

from auditor.model import App, HelmOptions
from auditor.render.inputs import input_digest
from auditor.render.renderer import Renderer
from tests.helpers.render import Write, deployment, make_app
from tests.render.test_renderer import by_name

BASE = "resources: [deploy.yaml]\n"


def overlay(extra: str = "") -> str:
    return "resources: [../../base]\ncomponents: [../../common]\n" + extra


def fleet(write: Write) -> list[App]:
    write("base/deploy.yaml", deployment("web"))
    write("base/kustomization.yaml", BASE)
    write("common/app.properties", "level=info\n")
    write(
        "common/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
        "configMapGenerator: [{name: cfg, files: [app.properties]}]\n",
    )
    write("README.md", "the fleet\n")
    apps = []
    for name in ("a", "b", "c"):
        write(f"apps/{name}/kustomization.yaml", overlay(f"namePrefix: {name}-\n"))
        apps.append(make_app(f"apps/{name}", namespace=name))
    return apps


def render_all(renderer: Renderer, apps: list[App], root: Path) -> list[str]:
    """Render every app (as of a new commit each time); the names kubectl ran for."""
    ran = []
    for app in apps:
        before = renderer.stats.kubectl_runs
        out = renderer.render(app, root=root, revision="worktree", cacheable=False)
        assert out.error is None, out.error
        if renderer.stats.kubectl_runs > before:
            ran.append(app.source.path)
    return ran


def test_only_the_apps_that_read_a_change_re_render(tmp_path: Path, write: Write) -> None:
    apps = fleet(write)
    renderer = Renderer(cache_dir=tmp_path / "cache")
    assert render_all(renderer, apps, tmp_path) == ["apps/a", "apps/b", "apps/c"]
    assert render_all(renderer, apps, tmp_path) == []  # nothing changed
    write("README.md", "the fleet, documented\n")
    write("apps/c/notes.txt", "")  # c's directory changed: c re-renders, to be safe
    assert render_all(renderer, apps, tmp_path) == ["apps/c"]
    write("apps/b/kustomization.yaml", overlay("namePrefix: bee-\n"))
    assert render_all(renderer, apps, tmp_path) == ["apps/b"]
    names = by_name(renderer.render(apps[1], root=tmp_path, revision="worktree", cacheable=False))
    assert "Deployment/bee-web" in names
    write("base/deploy.yaml", deployment("web", replicas=3))
    assert render_all(renderer, apps, tmp_path) == ["apps/a", "apps/b", "apps/c"]  # shared
    write("common/app.properties", "level=debug\n")  # a component's generator reads it
    assert render_all(renderer, apps, tmp_path) == ["apps/a", "apps/b", "apps/c"]
    out = renderer.render(apps[0], root=tmp_path, revision="worktree", cacheable=False)
    config = next(r for r in out.resources if r.key.kind == "ConfigMap")
    assert config.body["data"]["app.properties"] == "level=debug\n"  # never stale


def test_inputs_that_cannot_be_named_fall_back_to_the_commit(tmp_path: Path, write: Write) -> None:
    write("apps/remote/kustomization.yaml",
          "resources: [https://github.com/example/base//deploy?ref=v1]\n")  # fmt: skip
    remote = make_app("apps/remote", namespace="x")
    assert input_digest(remote, root=tmp_path, kind="kustomize") is None
    write("apps/up/kustomization.yaml", "resources: [../../../elsewhere]\n")
    (tmp_path.parent / "elsewhere").mkdir(exist_ok=True)
    assert input_digest(make_app("apps/up", namespace="x"), root=tmp_path, kind="kustomize") is None
    dependency = "{name: redis, version: 1.0.0, repository: https://charts.example.com}"
    write("charts/web/Chart.yaml",
          f"apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies: [{dependency}]\n")  # fmt: skip
    chart = make_app("charts/web", namespace="x")
    assert input_digest(chart, root=tmp_path, kind="helm") is None
    write("jsonnet/main.jsonnet", "{}\n")
    assert input_digest(make_app("jsonnet", namespace="x"), root=tmp_path, kind="directory") is None


def test_a_helm_value_file_outside_the_chart_is_an_input(tmp_path: Path, write: Write) -> None:
    write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    write("envs/prod.yaml", "replicas: 2\n")
    app = make_app(
        "charts/web", namespace="x", helm=HelmOptions(value_files=("../../envs/prod.yaml",))
    )
    first = input_digest(app, root=tmp_path, kind="helm")
    assert first is not None
    write("envs/prod.yaml", "replicas: 3\n")
    assert input_digest(app, root=tmp_path, kind="helm") not in (None, first)
    write("envs/other.yaml", "x: 1\n")  # not read by it
    second = input_digest(app, root=tmp_path, kind="helm")
    write("envs/other.yaml", "x: 2\n")
    assert input_digest(app, root=tmp_path, kind="helm") == second


def test_components_the_application_adds_are_inputs(tmp_path: Path, write: Write) -> None:
    from auditor.model import KustomizeOptions

    write("apps/a/kustomization.yaml", "resources: [cm.yaml]\n")
    write("apps/a/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    write("components/extra/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
          "commonLabels: {extra: 'yes'}\n")  # fmt: skip
    options = KustomizeOptions(components=("../../components/extra",))
    app = make_app("apps/a", namespace="x", kustomize=options)
    first = input_digest(app, root=tmp_path, kind="kustomize")
    assert first is not None
    write("components/extra/kustomization.yaml",
          "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
          "commonLabels: {extra: 'no'}\n")  # fmt: skip
    assert input_digest(app, root=tmp_path, kind="kustomize") not in (None, first)
    far = KustomizeOptions(components=("https://example.com/c",))
    remote = make_app("apps/a", namespace="x", kustomize=far)
    assert input_digest(remote, root=tmp_path, kind="kustomize") is None
