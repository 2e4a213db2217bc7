"""Discovery over the example repo and over small trees with bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.apps import discover, normalize_repo_url
from auditor.config import AppConfig, ClusterConfig, Config, RemediationConfig, RepoConfig
from auditor.model import Mode
from tests.helpers import EXAMPLE_REPO

URL = "https://github.com/mycompany/k8s-deployments.git"


def run(root: Path, config: Config | None = None, repo_url: str = "/repo"):  # type: ignore[no-untyped-def]
    return discover(root=root, revision="abc", repo_url=repo_url, config=config or Config())


def application(name: str, path: str, *, repo: str = URL, extra: str = "") -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  project: default
  source:
    repoURL: {repo}
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {name}
{extra}"""


def test_example_repo_lists_every_app() -> None:
    found = run(EXAMPLE_REPO)
    assert [a.name for a in found.apps] == [
        "another-service-dev",
        "another-service-production",
        "billing",
        "in-cluster-cert-manager",
        "in-cluster-ingress-nginx",
        "in-cluster-monitoring",
        "my-api-dev",
        "my-api-production",
        "my-api-staging",
        "root",
        "team-payments",
        "team-search",
    ]
    assert found.problems == ()
    assert [p.name for p in found.projects] == ["platform", "teams"]
    assert all(a.error is None for a in found.apps)


def test_example_app_details() -> None:
    found = run(EXAMPLE_REPO)
    prod = found.app("my-api-production")
    assert prod is not None
    assert (prod.cluster, prod.destination.namespace) == ("production", "production")
    assert prod.source.path == "apps/my-api/overlays/production"
    assert prod.source.repo_url == "/repo"  # resolved against the repo it was found in
    assert prod.mode == Mode.HEAL and prod.sync_policy.prune and prod.sync_policy.retry
    assert prod.sync_policy.retry.max_duration_seconds == 180  # type: ignore[union-attr]
    assert prod.sync_policy.option("PruneLast") == "true"
    assert prod.origin is not None and prod.origin.path == "argocd/apps/my-api-production.yaml"
    assert prod.parent == "root"

    infra = found.app("in-cluster-monitoring")
    assert infra is not None and infra.generated_by == "infrastructure"
    assert infra.destination.namespace == "monitoring"
    assert found.app("in-cluster-experimental") is None

    team = found.app("team-payments")
    assert team is not None and team.source.path == "teams/payments/namespace"
    assert team.destination.namespace == "team-payments"
    assert team.manifest is not None
    assert team.manifest["metadata"]["annotations"]["owner"] == "payments-leads@example.com"

    dev = found.app("another-service-dev")
    assert dev is not None and dict(dev.labels) == {"environment": "dev"}
    staging = found.app("my-api-staging")
    assert staging is not None and staging.ignore_differences[0]["jsonPointers"] == [
        "/spec/replicas"
    ]


def test_configured_clusters_feed_the_clusters_generator() -> None:
    """Configured clusters are Argo CD's cluster secrets; the local cluster (no secret
    stands for it here) stays in the list of an empty selector, as in Argo CD."""
    config = Config(
        clusters=(
            ClusterConfig(name="production", server="https://prod.example.com"),
            ClusterConfig(name="staging", server="https://staging.example.com"),
        )
    )
    names = [a.name for a in run(EXAMPLE_REPO, config).apps if a.generated_by == "infrastructure"]
    assert names == [
        "in-cluster-cert-manager",
        "in-cluster-ingress-nginx",
        "in-cluster-monitoring",
        "production-cert-manager",
        "production-ingress-nginx",
        "production-monitoring",
        "staging-cert-manager",
        "staging-ingress-nginx",
        "staging-monitoring",
    ]


def test_repo_url_without_path_here_is_listed_with_error(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(application("ghost", "does/not/exist"))
    found = run(tmp_path)
    ghost = found.app("ghost")
    assert ghost is not None
    assert ghost.error is not None and "does/not/exist" in ghost.error
    assert "matches no configured repo" in ghost.error


def test_repo_url_matching_a_configured_repo(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        application("elsewhere", "x", repo="git@github.com:Other/Deploy.git")
    )
    config = Config(repos=(RepoConfig(url="https://github.com/other/deploy"),))
    app = run(tmp_path, config).app("elsewhere")
    assert app is not None and app.error is None
    assert app.source.repo_url == "https://github.com/other/deploy"


def test_malformed_yaml_is_a_problem_not_the_end(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: [\n")
    (tmp_path / "ok").mkdir()
    (tmp_path / "good.yaml").write_text(application("good", "ok"))
    found = run(tmp_path)
    assert [a.name for a in found.apps] == ["good"]
    assert len(found.problems) == 1
    assert found.problems[0].startswith("broken.yaml:3: invalid YAML")


def test_bad_applicationset_is_reported_others_go_on(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(
        """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: broken
spec:
  generators:
    - pullRequest: {}
  template: {}
"""
    )
    (tmp_path / "ok").mkdir()
    (tmp_path / "good.yaml").write_text(application("good", "ok"))
    found = run(tmp_path)
    assert [a.name for a in found.apps] == ["good"]
    assert found.problems == (
        "set.yaml:1: ApplicationSet broken: the 'pullRequest' generator is not supported",
    )


def test_duplicate_app_names_keep_the_first(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    (tmp_path / "a.yaml").write_text(application("same", "ok"))
    (tmp_path / "b.yaml").write_text(application("same", "ok"))
    found = run(tmp_path)
    assert len(found.apps) == 1 and found.apps[0].origin.path == "a.yaml"  # type: ignore[union-attr]
    assert "duplicate app name 'same'" in found.problems[0]


def test_helm_chart_chart_repo_and_templates_are_handled(tmp_path: Path) -> None:
    chart = tmp_path / "charts/app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    # A templated Application inside a chart is not YAML until helm renders it.
    (chart / "templates/app.yaml").write_text(
        "kind: Application\n{{ .Values.x }}: [\n# argoproj.io\n"
    )
    (tmp_path / "remote-chart.yaml").write_text(
        """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: redis}
spec:
  source: {repoURL: https://charts.bitnami.com/bitnami, chart: redis, targetRevision: 18.0.0}
  destination: {name: in-cluster, namespace: redis}
"""
    )
    found = run(tmp_path)
    assert found.problems == ()
    redis = found.app("redis")
    assert redis is not None and redis.error is not None and "chart repository" in redis.error


def test_config_apps_and_modes(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "ok").mkdir()
    (tmp_path / "a.yaml").write_text(
        application("healer", "ok", extra="  syncPolicy:\n    automated: {selfHeal: true}\n")
    )
    config = Config(
        apps=(AppConfig(name="legacy", path="legacy", cluster="prod", namespace="batch"),),
        remediation=RemediationConfig(default=Mode.PR, projects={"default": Mode.REPORT}),
    )
    found = run(tmp_path, config)
    legacy = found.app("legacy")
    assert legacy is not None and legacy.cluster == "prod" and legacy.origin is None
    healer = found.app("healer")
    assert healer is not None and healer.mode == Mode.REPORT  # project beats selfHeal
    assert run(tmp_path).app("healer").mode == Mode.HEAL  # type: ignore[union-attr]


def test_missing_destination_and_source_are_errors(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: bare}\nspec: {}\n"
    )
    bare = run(tmp_path).app("bare")
    assert bare is not None and bare.error is not None
    assert "no spec.source" in bare.error and "destination" in bare.error


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://github.com/Org/Repo.git", "https://github.com/org/repo"),
        ("git@github.com:org/repo.git", "https://github.com/org/repo/"),
        ("ssh://git@github.com/org/repo", "https://github.com/org/repo"),
    ],
)
def test_repo_urls_compare_like_argo_cd(a: str, b: str) -> None:
    assert normalize_repo_url(a) == normalize_repo_url(b)


def test_automated_enabled_false_pauses_self_heal_and_prune(tmp_path: Path) -> None:
    (tmp_path / "ok").mkdir()
    paused = "  syncPolicy:\n    automated: {enabled: false, selfHeal: true, prune: true}\n"
    (tmp_path / "a.yaml").write_text(application("paused", "ok", extra=paused))
    app = run(tmp_path).app("paused")
    assert app is not None
    assert app.mode == Mode.REPORT
    assert not (app.sync_policy.automated or app.sync_policy.self_heal or app.sync_policy.prune)


def test_a_config_management_plugin_app_is_an_error_not_an_empty_render(tmp_path: Path) -> None:
    """Argo CD runs plugins in its repo-server; here the app cannot be rendered, and it
    must not be compared against nothing (which would make its live objects Extra)."""
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "values.yaml").write_text("a: 1\n")
    extra = "  syncPolicy: {}\n"
    text = application("web", "web", extra=extra).replace(
        "    path: web\n", "    path: web\n    plugin:\n      name: argocd-vault-plugin\n"
    )
    (tmp_path / "app.yaml").write_text(text)
    app = run(tmp_path).app("web")
    assert app is not None and app.error is not None
    assert "config management plugin (argocd-vault-plugin)" in app.error
    assert "cannot run here" in app.error


def test_the_tree_is_walked_once_whatever_the_number_of_git_generators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for group in range(6):
        for env in ("dev", "prod"):
            (tmp_path / f"apps/g{group}/svc/{env}").mkdir(parents=True)
            (tmp_path / f"apps/g{group}/svc/{env}/cm.yaml").write_text("kind: ConfigMap\n")
        (tmp_path / f"argocd/g{group}.yaml").parent.mkdir(exist_ok=True)
        (tmp_path / f"argocd/g{group}.yaml").write_text(f"""
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: g{group}}}
spec:
  generators:
    - git: {{repoURL: {URL}, revision: HEAD, directories: [{{path: "apps/g{group}/*/*"}}]}}
    - git: {{repoURL: {URL}, revision: HEAD, files: [{{path: "apps/g{group}/*/dev/*.json"}}]}}
  template:
    metadata: {{name: "g{group}-{{{{path.basename}}}}"}}
    spec:
      project: default
      source: {{repoURL: {URL}, path: "{{{{path}}}}"}}
      destination: {{server: https://kubernetes.default.svc, namespace: x}}
""")
    walks: list[Path] = []
    original = Path.rglob

    def counted(self: Path, pattern: str) -> Any:
        walks.append(self)
        return original(self, pattern)

    monkeypatch.setattr(Path, "rglob", counted)
    found = discover(root=tmp_path, revision="r", repo_url=URL, config=Config())
    assert sorted(a.name for a in found.apps) == sorted(
        f"g{g}-{env}" for g in range(6) for env in ("dev", "prod")
    )
    assert walks.count(tmp_path) == 1  # 12 generators and the manifest scan: one walk
