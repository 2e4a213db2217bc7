"""Multi-source Applications as Argo CD renders them: every source with a path is
rendered and their objects combined; a `ref` source provides `$ref/...` value files, read
at its own targetRevision."""

from __future__ import annotations

from pathlib import Path

import git

from auditor.config import Config
from auditor.pipeline import Pipeline
from auditor.sources.local import commit_all, init_repo
from tests.helpers.cluster import write_tree

URL = "https://git.example.com/platform/deploy.git"
APP = f"""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: shop}}
spec:
  project: default
  sources:
    - repoURL: {URL}
      path: charts/shop
      helm: {{valueFiles: [values.yaml, $values/envs/prod.yaml]}}
    - repoURL: {URL}
      targetRevision: config
      ref: values
    - repoURL: {URL}
      path: extras
  destination: {{server: https://kubernetes.default.svc, namespace: shop}}
"""
CHART = {
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "charts/shop/values.yaml": "tier: default\n",
    "charts/shop/templates/cm.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tier}\n"
        "data: {tier: '{{ .Values.tier }}'}\n"
    ),
    "extras/quota.yaml": (
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: quota}\nspec: {hard: {pods: '10'}}\n"
    ),
    "envs/prod.yaml": "tier: main-branch\n",
}


def test_sources_are_combined_and_ref_value_files_read_at_their_revision(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_tree(tree, {**CHART, "apps/shop.yaml": APP})
    repo_dir = tmp_path / "repo"
    init_repo(tree, repo_dir)
    repo = git.Repo(str(repo_dir))
    repo.create_remote("origin", URL)
    repo.git.checkout("-b", "config")
    write_tree(repo_dir, {"envs/prod.yaml": "tier: gold\n"})
    commit_all(repo_dir, message="prod values")
    repo.git.checkout("main")

    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(repo_dir), None)
    app = pipeline.discover(checkout).app("shop")
    assert app is not None and app.error is None, app
    assert [s.ref for s in app.sources] == ["", "values", ""]
    rendered = pipeline.render(app, checkout)
    assert rendered.error is None, rendered.error
    by_kind = {r.key.kind: r.body for r in rendered.resources}
    assert by_kind["ConfigMap"]["data"] == {"tier": "gold"}  # from the ref, at `config`
    assert by_kind["ResourceQuota"]["spec"] == {"hard": {"pods": "10"}}
    assert {r.key.namespace for r in rendered.resources} == {"shop"}


def test_a_chart_from_a_helm_repository_says_it_needs_the_network(tmp_path: Path) -> None:
    app = APP.replace("path: charts/shop", "chart: redis\n      targetRevision: 18.1.0").replace(
        f"repoURL: {URL}\n      chart", "repoURL: https://charts.bitnami.com/bitnami\n      chart"
    )
    tree = tmp_path / "tree"
    write_tree(tree, {**CHART, "apps/shop.yaml": app})
    init_repo(tree, tmp_path / "repo")
    pipeline = Pipeline.from_config(Config(), cache_dir=tmp_path / "cache")
    checkout = pipeline.checkout(str(tmp_path / "repo"), None)
    found = pipeline.discover(checkout).app("shop")
    assert found is not None and found.error is not None
    assert "chart repository https://charts.bitnami.com/bitnami" in found.error
    assert "needs the network" in found.error
