"""Helm as Argo CD runs it, with the real helm: the destination's --kube-version and
--api-versions (a documented default without a cluster), local dependencies built,
remote ones one clear line, helm's warnings kept out of errors, `$ref` value files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.model import AppSource, Capabilities, HelmOptions, RenderedApp
from auditor.render import RenderContext, Renderer, default_capabilities
from auditor.render.helm import helm_command, without_warnings
from auditor.render.tools import find_helm
from tests.helpers.render import Write, make_app

SHA = "c" * 40


def helm() -> str:
    found = find_helm(None)
    assert found is not None, "make installs helm into the virtualenv"
    return str(found)


def chart(name: str, *, deps: str = "") -> str:
    return f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n" + (
        f"dependencies:\n{deps}" if deps else ""
    )


CAPS_TEMPLATE = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: caps
data:
  kube: "{{ .Capabilities.KubeVersion.Version }}"
  widgets: "{{ .Capabilities.APIVersions.Has "example.com/v1/Widget" }}"
  pdb: "{{ .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}"
"""


def data_of(out: RenderedApp) -> dict[str, str]:
    assert out.error is None, out.error
    (cm,) = out.resources
    return dict(cm.body["data"])


def test_the_destination_s_capabilities_reach_helm(tmp_path: Path, write: Write) -> None:
    write("charts/caps/Chart.yaml", chart("caps"))
    write("charts/caps/templates/cm.yaml", CAPS_TEMPLATE)
    renderer = Renderer(helm=helm())
    app = make_app("charts/caps")
    cluster = Capabilities(kube_version="1.29", api_versions=("v1", "example.com/v1/Widget"))
    seen = renderer.render(
        app, root=tmp_path, revision=SHA, cacheable=True, context=RenderContext(cluster)
    )
    assert data_of(seen) == {"kube": "v1.29.0", "widgets": "true", "pdb": "false"}
    default = renderer.render(app, root=tmp_path, revision=SHA, cacheable=True)
    # Without a cluster: Kubernetes 1.37 and its GA APIs (not a stale cache of the above).
    assert data_of(default) == {"kube": "v1.37.0", "widgets": "false", "pdb": "true"}
    assert default_capabilities().kube_version == "1.37"


def test_helm_command_passes_kube_and_api_versions(tmp_path: Path) -> None:
    caps = Capabilities(kube_version="1.30.0", api_versions=("v1", "apps/v1/Deployment"))
    args = helm_command(
        helm="helm", release_name="r", chart_dir=tmp_path, namespace="ns", capabilities=caps
    )
    assert args[args.index("--kube-version") + 1] == "1.30.0"
    assert [args[i + 1] for i, a in enumerate(args) if a == "--api-versions"] == [
        "v1",
        "apps/v1/Deployment",
    ]


LIB = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}-from-{{ .Release.Name }}
data: {}
"""


def test_local_dependencies_are_built_without_touching_the_tree(
    tmp_path: Path, write: Write
) -> None:
    deps = (
        "  - {name: common, version: 0.1.0, repository: file://../common}\n"
        "  - {name: vendored, version: 0.1.0, repository: https://charts.example.com}\n"
    )
    write("charts/app/Chart.yaml", chart("app", deps=deps))
    write("charts/app/templates/cm.yaml", LIB.replace("{{ .Chart.Name }}", "app"))
    write("charts/app/charts/vendored/Chart.yaml", chart("vendored"))
    write("charts/app/charts/vendored/templates/cm.yaml", LIB)
    write("charts/common/Chart.yaml", chart("common"))
    write("charts/common/templates/cm.yaml", LIB)
    before = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    out = Renderer(helm=helm()).render(
        make_app("charts/app", name="shop"), root=tmp_path, revision=SHA, cacheable=True
    )
    assert out.error is None, out.error
    assert sorted(r.key.name for r in out.resources) == [
        "app-from-shop", "common-from-shop", "vendored-from-shop"
    ]  # fmt: skip
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == before


def test_a_remote_dependency_is_one_clear_line(tmp_path: Path, write: Write) -> None:
    deps = "  - {name: redis, version: 18.1.0, repository: https://charts.bitnami.com/bitnami}\n"
    write("charts/app/Chart.yaml", chart("app", deps=deps))
    write("charts/app/templates/cm.yaml", LIB)
    out = Renderer(helm=helm()).render(
        make_app("charts/app"), root=tmp_path, revision=SHA, cacheable=True
    )
    assert out.error == (
        "Helm chart charts/app: dependency redis 18.1.0 from https://charts.bitnami.com/bitnami "
        "is not vendored in charts/ and fetching it needs the network (run `helm dependency "
        "build` and commit charts/)"
    )


def test_helm_warnings_never_reach_the_error(tmp_path: Path, write: Write) -> None:
    write("charts/app/Chart.yaml", chart("app"))
    write("charts/app/templates/bad.yaml", "kind: {{ .Values.missing.field }}\n")
    write("elsewhere/link-target.yaml", "x: 1\n")
    os.symlink(tmp_path / "elsewhere", tmp_path / "charts/app/linked")  # helm warns on symlinks
    out = Renderer(helm=helm()).render(
        make_app("charts/app"), root=tmp_path, revision=SHA, cacheable=True
    )
    assert out.error is not None and "nil pointer evaluating" in out.error
    assert "symbolic link" not in out.error and "walk.go" not in out.error
    assert "\n" not in out.error


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (
            "walk.go:74: found symbolic link in path: /x resolves to /y\n"
            "Error: template: app/templates/a.yaml:1:9: executing ...\n",
            "template: app/templates/a.yaml:1:9: executing ...",
        ),
        (
            "coalesce.go:220: warning: skipped value for x: Not a table.\n"
            "WARNING: This chart is deprecated\nError: parse error\n",
            "parse error",
        ),
    ],
)
def test_without_warnings(stderr: str, expected: str) -> None:
    assert without_warnings(stderr) == expected


def test_ref_value_files_come_from_the_ref_source(tmp_path: Path, write: Write) -> None:
    write("charts/app/Chart.yaml", chart("app"))
    write("charts/app/values.yaml", "tier: default\n")
    write(
        "charts/app/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tier}\n"
        "data: {tier: '{{ .Values.tier }}'}\n",
    )
    write("values-repo/envs/prod.yaml", "tier: gold\n")
    options = HelmOptions(value_files=("$values/envs/prod.yaml",))
    app = make_app("charts/app", helm=options)
    context = RenderContext(refs={"values": (tmp_path / "values-repo", "d" * 40)})
    out = Renderer(helm=helm()).render(
        app, root=tmp_path, revision=SHA, cacheable=True, context=context
    )
    assert data_of(out) == {"tier": "gold"}
    unknown = make_app("charts/app", helm=HelmOptions(value_files=("$other/x.yaml",)))
    refused = Renderer(helm=helm()).render(
        unknown, root=tmp_path, revision=SHA, cacheable=True, context=context
    )
    assert refused.error is not None and "$other" in refused.error
    escape = make_app("charts/app", helm=HelmOptions(value_files=("$values/../../etc/passwd",)))
    outside = Renderer(helm=helm()).render(
        escape, root=tmp_path, revision=SHA, cacheable=True, context=context
    )
    assert outside.error is not None and "outside the repository" in outside.error
    assert AppSource(repo_url="r", path="", ref="values").renderable is False
