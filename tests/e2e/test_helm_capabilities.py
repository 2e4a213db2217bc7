"""Helm sees the destination cluster as Argo CD shows it to helm: the cluster's version
and the API versions its discovery serves (a CRD's kind included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cluster import application, one_cluster

pytestmark = pytest.mark.slow  # starts a simulated cluster

FILES = {
    "apps/caps.yaml": application("caps", path="charts/caps"),
    "charts/caps/Chart.yaml": "apiVersion: v2\nname: caps\nversion: 0.1.0\n",
    "charts/caps/templates/cm.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: caps}
        data:
          kube: "{{ .Capabilities.KubeVersion.Version }}"
          widgets: "{{ .Capabilities.APIVersions.Has "example.com/v1/Widget" }}"
        """,
}
CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""


def test_helm_renders_for_the_cluster_it_deploys_to(tmp_path: Path) -> None:
    with one_cluster(tmp_path, FILES) as world:
        world.apply(CRD)
        result = world.sync("caps")
        assert result.done, result
        live = world.get("configmap", "caps", "-n", "caps")
        assert live["data"] == {"kube": "v1.37.0", "widgets": "true"}
        # Without a cluster (`render`), the documented default knows no Widget.
        checkout = world.pipeline.sources.checkout(str(world.repo), "main")
        app = world.pipeline.discover(checkout).app("caps")
        assert app is not None
        (cm,) = world.pipeline.render(app, checkout).resources
        assert cm.body["data"]["widgets"] == "false"
