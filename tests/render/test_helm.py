"""Helm apps: the clear error without helm, the command line we build, template sources,
and real `helm template` runs (the helm that `make` installs into the virtualenv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.manifests import parse_text
from auditor.model import HelmOptions
from auditor.render import Renderer
from auditor.render.helm import helm_command, locate_sources, render_helm
from auditor.render.tools import find_helm
from tests.helpers.render import Write, make_app

CHART = """
apiVersion: v2
name: web
version: 0.1.0
"""


@pytest.fixture
def no_helm_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_helm_not_found_gives_a_clear_error_and_is_not_cached(
    tmp_path: Path, write: Write, no_helm_on_path: None
) -> None:
    write("repo/apps/chart/Chart.yaml", CHART)
    renderer = Renderer(cache_dir=tmp_path / "cache", helm="no-such-helm")
    app = make_app("apps/chart")
    out = renderer.render(app, root=tmp_path / "repo", revision="a" * 40, cacheable=True)
    assert out.error == (
        "helm not found: install helm 3 to render Helm chart apps/chart (or set render.helm_path)"
    )
    assert out.resources == ()
    assert not list((tmp_path / "cache").rglob("*.json")), "a missing tool is not cached"
    assert renderer.stats.helm_runs == 0


def test_explicit_helm_options_select_helm_even_without_chart_yaml(
    tmp_path: Path, write: Write, no_helm_on_path: None
) -> None:
    write("apps/x/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    app = make_app("apps/x", helm=HelmOptions(release_name="r"))
    renderer = Renderer(helm="no-such-helm")
    out = renderer.render(app, root=tmp_path, revision="worktree", cacheable=False)
    assert out.error is not None and out.error.startswith("helm not found")


def test_find_helm_by_path_and_by_name(tmp_path: Path) -> None:
    binary = tmp_path / "bin" / "helm"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    assert find_helm(str(binary)) is None, "not executable yet"
    binary.chmod(0o755)
    assert find_helm(str(binary)) == binary
    assert find_helm(None, path_env=str(binary.parent)) == binary
    assert find_helm("helm", path_env=str(tmp_path)) is None


def test_helm_command_orders_value_files_values_and_parameters(tmp_path: Path) -> None:
    args = helm_command(
        helm="/usr/local/bin/helm",
        release_name="my-release",
        chart_dir=tmp_path / "chart",
        namespace="prod",
        value_files=[tmp_path / "chart/values-prod.yaml"],
        values_file=tmp_path / "inline.yaml",
        parameters=[("image.tag", "1.2.3"), ("replicas", "3")],
    )
    assert args == [
        "/usr/local/bin/helm",
        "template",
        "my-release",
        str(tmp_path / "chart"),
        "--namespace",
        "prod",
        "-f",
        str(tmp_path / "chart/values-prod.yaml"),
        "-f",
        str(tmp_path / "inline.yaml"),
        "--set",
        "image.tag=1.2.3",
        "--set",
        "replicas=3",
        "--include-crds",
    ]


def test_helm_command_skip_crds_and_no_namespace(tmp_path: Path) -> None:
    args = helm_command(
        helm="helm", release_name="r", chart_dir=tmp_path, namespace="", include_crds=False
    )
    assert args == ["helm", "template", "r", str(tmp_path)]


def test_value_file_outside_the_repository_is_refused(tmp_path: Path, write: Write) -> None:
    write("repo/chart/Chart.yaml", CHART)
    write("elsewhere.yaml", "a: 1\n")
    raw = render_helm(
        tmp_path / "repo/chart",
        root=tmp_path / "repo",
        helm=Path("/nonexistent/helm"),
        release_name="r",
        namespace="ns",
        options=HelmOptions(value_files=("../../elsewhere.yaml",)),
    )
    assert raw.error == "../../elsewhere.yaml: Helm value file is outside the repository"


def test_missing_value_file_names_it(tmp_path: Path, write: Write) -> None:
    write("chart/Chart.yaml", CHART)
    raw = render_helm(
        tmp_path / "chart",
        root=tmp_path,
        helm=Path("/nonexistent/helm"),
        release_name="r",
        namespace="ns",
        options=HelmOptions(value_files=("values-prod.yaml",)),
    )
    assert raw.error == "chart/values-prod.yaml: Helm value file does not exist"


def test_sources_come_from_helm_source_comments(tmp_path: Path, write: Write) -> None:
    write("charts/web/Chart.yaml", CHART)
    write("charts/web/templates/deployment.yaml", "# template\n")
    write("charts/web/templates/service.yaml", "# template\n")
    output = (
        "---\n# Source: web/templates/service.yaml\napiVersion: v1\nkind: Service\n"
        "metadata:\n  name: web\n---\n# Source: web/templates/deployment.yaml\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
        "---\n# Source: web/templates/gone.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "metadata:\n  name: c\n"
    )
    docs = parse_text(output, path="helm output")
    located = locate_sources(output, docs, chart_dir=tmp_path / "charts/web", root=tmp_path)
    assert [path for _, path in located] == [
        "charts/web/templates/service.yaml",
        "charts/web/templates/deployment.yaml",
        "charts/web/Chart.yaml",
    ]


def venv_helm() -> Path:
    """The helm `make` installs beside the interpreter (scripts/install_helm.py)."""
    import sys

    helm = Path(sys.executable).parent / "helm"
    assert helm.is_file(), "run `make test` (it installs helm into the virtualenv)"
    return helm


TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {team: {{ .Values.team | quote }}}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_real_helm_template_with_value_files_values_and_parameters(
    tmp_path: Path, write: Write
) -> None:
    write("repo/charts/web/Chart.yaml", CHART)
    write(
        "repo/charts/web/values.yaml",
        "replicas: 1\nteam: core\nimage: {repository: registry.example.com/web, tag: '1.0'}\n",
    )
    write("repo/charts/web/values-prod.yaml", "replicas: 3\n")
    write("repo/charts/web/templates/deployment.yaml", TEMPLATE)
    options = HelmOptions(
        release_name="shop",
        value_files=("values-prod.yaml",),
        values="team: payments\n",
        parameters=(("image.tag", "2.4.1"),),
    )
    renderer = Renderer(cache_dir=tmp_path / "cache", helm=str(venv_helm()))
    app = make_app("charts/web", helm=options)
    out = renderer.render(app, root=tmp_path / "repo", revision="b" * 40, cacheable=True)
    assert out.error is None, out.error
    (deploy,) = out.resources
    body = deploy.body
    assert body["metadata"]["name"] == "shop-web"
    assert body["metadata"]["labels"] == {"team": "payments"}  # inline values beat files
    assert body["spec"]["replicas"] == 3  # the value file beats the chart's defaults
    image = body["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "registry.example.com/web:2.4.1"  # --set beats everything
    assert deploy.source is not None
    assert deploy.source.path == "charts/web/templates/deployment.yaml"
    assert renderer.stats.helm_runs == 1
    again = renderer.render(app, root=tmp_path / "repo", revision="b" * 40, cacheable=True)
    assert again.resources[0].body == body and renderer.stats.helm_runs == 1  # cached


def test_real_helm_failure_keeps_helms_message(tmp_path: Path, write: Write) -> None:
    write("repo/charts/web/Chart.yaml", CHART)
    write("repo/charts/web/templates/broken.yaml", "kind: {{ .Values.missing.field }}\n")
    renderer = Renderer(helm=str(venv_helm()))
    out = renderer.render(make_app("charts/web"), root=tmp_path / "repo", revision="worktree",
                          cacheable=False)  # fmt: skip
    assert out.error is not None
    assert "nil pointer evaluating interface {}.field" in out.error
    assert "broken.yaml" in out.error
