"""Jsonnet directories as Argo CD renders them (go-jsonnet): ext vars and TLAs as strings
or code, `$ARGOCD_APP_*` substitution, imports from the app dir and from `libs`."""

from __future__ import annotations

from pathlib import Path

from auditor.model import DirectoryOptions, JsonnetOptions
from auditor.render import Renderer
from auditor.render.jsonnet import envsubst
from tests.helpers.render import Write, make_app

SHA = "5f0c6a1d9e2b4c7a8f3e1d0c9b8a7f6e5d4c3b2a"

MAIN = """
local lib = import 'ports.libsonnet';     // from libs/, relative to the repo root
local defaults = import 'defaults.json';  // next to the file
function(replicas=1, tier='web') [
  {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: {name: std.extVar('name'), labels: {tier: tier, owner: std.extVar('owner')}},
    spec: {replicas: replicas, template: {spec: {containers: [
      {name: 'web', image: defaults.image, ports: [lib.port(8080)]}]}}},
  },
  {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings'},
   data: {debug: std.toString(std.extVar('debug'))}},
]
"""


def test_jsonnet_directory_with_ext_vars_tlas_and_libs(tmp_path: Path, write: Write) -> None:
    write("apps/web/main.jsonnet", MAIN)
    write("apps/web/defaults.json", '{"image": "nginx:1.25"}')
    write("apps/web/helper.libsonnet", "{ not: 'an object file' }")  # libraries are not rendered
    write("libs/ports.libsonnet", "{ port(n):: {containerPort: n} }")
    options = DirectoryOptions(
        jsonnet=JsonnetOptions(
            ext_vars=(("name", "$ARGOCD_APP_NAME", False), ("owner", "team-a", False),
                      ("debug", "true", True)),
            tlas=(("replicas", "3", True), ("tier", "gold", False)),
            libs=("libs",),
        )
    )  # fmt: skip
    app = make_app("apps/web", name="shop", namespace="prod", directory=options)
    out = Renderer().render(app, root=tmp_path, revision=SHA, cacheable=True)
    assert out.error is None, out.error
    deploy, settings = out.resources
    assert deploy.body["metadata"] == {
        "name": "shop", "namespace": "prod", "labels": {"tier": "gold", "owner": "team-a"}
    }  # fmt: skip
    assert deploy.body["spec"]["replicas"] == 3
    container = deploy.body["spec"]["template"]["spec"]["containers"][0]
    assert container == {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 8080}]}
    assert settings.body["data"] == {"debug": "true"}  # code: a boolean, not the string
    assert deploy.source is not None and deploy.source.path == "apps/web/main.jsonnet"


def test_a_jsonnet_error_is_the_app_s_error_naming_the_file(tmp_path: Path, write: Write) -> None:
    write("apps/web/main.jsonnet", "{ a: std.extVar('missing') }")
    out = Renderer().render(make_app("apps/web"), root=tmp_path, revision=SHA, cacheable=True)
    assert out.error is not None
    assert out.error.startswith("apps/web/main.jsonnet: jsonnet: ")
    assert "missing" in out.error and str(tmp_path) not in out.error


def test_libs_outside_the_repository_are_refused(tmp_path: Path, write: Write) -> None:
    write("apps/web/main.jsonnet", "{}")
    options = DirectoryOptions(jsonnet=JsonnetOptions(libs=("../../etc",)))
    app = make_app("apps/web", directory=options)
    out = Renderer().render(app, root=tmp_path, revision=SHA, cacheable=True)
    assert out.error is not None and "outside the repository" in out.error


def test_envsubst_is_go_s_os_expand() -> None:
    env = {"ARGOCD_APP_NAME": "shop"}
    assert envsubst("$ARGOCD_APP_NAME-${ARGOCD_APP_NAME}", env) == "shop-shop"
    assert envsubst("$NOPE|$$", env) == "|$"
