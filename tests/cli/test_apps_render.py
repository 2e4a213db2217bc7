"""`apps` and `render` on the example repo as a real git repository."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result

from auditor.sources.local import commit_all

Invoke = Callable[..., Result]


def test_apps_table_lists_every_app(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("apps", "--repo", str(example_repo), "--revision", "main")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["NAME", "PROJECT", "CLUSTER", "NAMESPACE"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert len(rows) == 12
    assert rows["my-api-production"][1:5] == [
        "platform",
        "production",
        "production",
        "apps/my-api/overlays/production",
    ]
    assert "appset/infrastructure" in rows["in-cluster-monitoring"]


def test_apps_json(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("apps", "--repo", str(example_repo), "--revision", "main", "-o", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["revision"]) == 40
    team = next(a for a in data["apps"] if a["name"] == "team-search")
    assert team["namespace"] == "team-search"
    assert team["generatedBy"] == "teams" and team["parent"] == "root"


def test_render_production_overlay(invoke: Invoke, example_repo: Path) -> None:
    result = invoke(
        "render", "--repo", str(example_repo), "--revision", "main", "--app", "my-api-production"
    )
    assert result.exit_code == 0, result.output
    docs = {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(result.output)}
    deploy = docs[("Deployment", "my-api")]
    assert deploy["spec"]["replicas"] == 5
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.4.2")
    assert {d["metadata"]["namespace"] for d in docs.values()} == {"production"}
    assert ("PodDisruptionBudget", "my-api") in docs  # from the component


def test_render_json_of_plain_directory_app(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("render", "--repo", str(example_repo), "--app", "billing", "-o", "json")
    assert result.exit_code == 0
    items = json.loads(result.output)["items"]
    assert sorted(i["kind"] for i in items) == ["Deployment", "Secret", "Service"]
    assert {i["metadata"]["namespace"] for i in items} == {"billing"}
    secret = next(i for i in items if i["kind"] == "Secret")
    assert "example-only" not in result.output
    assert secret["stringData"]["DATABASE_URL"].startswith("<secret sha256:")
    shown = invoke("render", "--repo", str(example_repo), "--app", "billing", "--show-secrets")
    assert "postgres://billing:example-only@db.billing:5432/billing" in shown.output


def test_render_cluster_scoped_resources_keep_no_namespace(
    invoke: Invoke, example_repo: Path
) -> None:
    result = invoke("render", "--repo", str(example_repo), "--app", "in-cluster-monitoring")
    docs = {d["kind"]: d for d in yaml.safe_load_all(result.output)}
    assert "namespace" not in docs["ClusterRole"]["metadata"]
    assert docs["ServiceAccount"]["metadata"]["namespace"] == "monitoring"


def test_unknown_app_is_one_line_exit_2(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("render", "--repo", str(example_repo), "--app", "nope")
    assert result.exit_code == 2
    assert result.output.startswith("error: no app named 'nope' (apps: another-service-dev,")
    assert "Traceback" not in result.output


def test_malformed_manifest_names_file_and_line(invoke: Invoke, example_repo: Path) -> None:
    (example_repo / "apps/billing/secret.yaml").write_text("apiVersion: v1\nkind: Secret\n  x: [\n")
    commit_all(example_repo, message="break billing")
    result = invoke("render", "--repo", str(example_repo), "--revision", "main", "--app", "billing")
    assert result.exit_code == 2
    assert "apps/billing/secret.yaml:3" in result.output
    # Other apps still render from the same commit.
    ok = invoke("render", "--repo", str(example_repo), "--revision", "main", "--app", "my-api-dev")
    assert ok.exit_code == 0


def test_unknown_revision_exit_2(invoke: Invoke, example_repo: Path) -> None:
    result = invoke("apps", "--repo", str(example_repo), "--revision", "nope")
    assert result.exit_code == 2
    assert result.output.strip() == f"error: revision 'nope' not found in {example_repo}"


def test_bad_config_exit_2(invoke: Invoke, example_repo: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("clustres: []\n")
    result = invoke("apps", "--repo", str(example_repo), "--config", str(cfg))
    assert result.exit_code == 2
    assert result.output.strip() == f"error: {cfg}: clustres: unknown key"


def test_console_script_runs_as_a_user_would(example_repo: Path) -> None:
    exe = Path(sys.executable).parent / "gitops-auditor"
    proc = subprocess.run(
        [str(exe), "apps", "--repo", str(example_repo), "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["apps"]) == 12


def test_kustomize_app_of_apps_children_are_discovered(invoke: Invoke, tmp_path: Path) -> None:
    """An app of apps whose children only exist after `kustomize build` (namePrefix)."""
    from auditor.sources.local import init_repo

    tree = tmp_path / "tree"
    (tree / "workloads/web").mkdir(parents=True)
    (tree / "workloads/web/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n"
    )
    (tree / "bootstrap").mkdir()
    (tree / "bootstrap/web.yaml").write_text(
        """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  project: default
  source: {repoURL: https://git.example.com/deploy.git, path: workloads/web}
  destination: {server: https://kubernetes.default.svc, namespace: web}
"""
    )
    (tree / "bootstrap/kustomization.yaml").write_text("resources: [web.yaml]\nnamePrefix: eu-\n")
    (tree / "root.yaml").write_text(
        """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: root}
spec:
  source: {repoURL: https://git.example.com/deploy.git, path: bootstrap}
  destination: {server: https://kubernetes.default.svc, namespace: argocd}
"""
    )
    repo = tmp_path / "repo"
    init_repo(tree, repo)
    result = invoke("apps", "--repo", str(repo), "--revision", "main", "-o", "json")
    apps = {a["name"]: a for a in json.loads(result.output)["apps"]}
    # bootstrap/web.yaml is an input of root's build, not an app of its own.
    assert set(apps) == {"root", "eu-web"}
    assert apps["eu-web"]["parent"] == "root"
    assert apps["eu-web"]["path"] == "workloads/web"
