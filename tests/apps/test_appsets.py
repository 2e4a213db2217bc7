"""ApplicationSets as the controller renders them, on small repos written for each idiom
(expected values from Argo CD's generator documentation): git generator parameters in
both template styles, per-generator templates, the clusters generator's cluster secrets,
merge and nested matrix generators, template errors and repos that are not this one."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.apps import discover
from auditor.config import ClusterConfig, Config, RepoConfig
from auditor.model import Discovery
from tests.helpers.cluster import write_tree

URL = "https://git.example.com/platform/deploy.git"


def appset(name: str, generators: str, template: str, *, go: bool = False) -> str:
    style = "goTemplate: true\n  goTemplateOptions: [missingkey=error]\n  " if go else ""
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {{name: {name}}}\n"
        f"spec:\n  {style}generators:\n{generators}\n"
        f"  template:\n{template.replace('@URL@', URL)}\n"
    )


def found(tmp_path: Path, files: dict[str, str], config: Config | None = None,
          identities: tuple[str, ...] = (URL,)) -> Discovery:  # fmt: skip
    write_tree(tmp_path, files)
    return discover(
        root=tmp_path, revision="abc", repo_url=str(tmp_path), config=config or Config(),
        identities=identities,
    )  # fmt: skip


def spec_of(discovery: Discovery, name: str) -> dict[str, object]:
    app = discovery.app(name)
    assert app is not None, [a.name for a in discovery.apps]
    assert app.manifest is not None
    return dict(app.manifest)


GIT_DIRS = f"""    - git:
        repoURL: {URL}
        directories: [{{path: "apps/*/*"}}]"""
CLASSIC_TEMPLATE = """    metadata:
      name: "{{path.basenameNormalized}}-{{path[1]}}"
      labels: {full: "{{path}}", base: "{{path.basename}}", first: "{{path[0]}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: "{{path}}"}
      destination: {server: https://kubernetes.default.svc, namespace: "{{path[2]}}"}"""
GO_TEMPLATE = """    metadata:
      name: "{{.path.basenameNormalized}}-{{index .path.segments 1}}"
      labels: {full: "{{.path.path}}", base: "{{.path.basename}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: "{{.path.path}}"}
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{index .path.segments 2}}'"""
DIRS = {"apps/team-a/My_Api/x.yaml": "{}", "apps/team-b/web/x.yaml": "{}"}


@pytest.mark.parametrize("go", [False, True], ids=["classic", "goTemplate"])
def test_git_directory_parameters_in_both_template_styles(tmp_path: Path, go: bool) -> None:
    template = GO_TEMPLATE if go else CLASSIC_TEMPLATE
    files = {**DIRS, "set.yaml": appset("dirs", GIT_DIRS, template, go=go)}
    result = found(tmp_path, files)
    assert [a.name for a in result.apps] == ["my-api-team-a", "web-team-b"]
    app = result.app("my-api-team-a")
    assert app is not None and app.error is None
    assert app.source.path == "apps/team-a/My_Api" and app.destination.namespace == "My_Api"
    labels = dict(app.labels)
    assert labels["full"] == "apps/team-a/My_Api" and labels["base"] == "My_Api"
    if not go:
        assert labels["first"] == "apps"


def test_git_file_parameters_classic_flatten_the_file(tmp_path: Path) -> None:
    gen = f"""    - git:
        repoURL: {URL}
        files: [{{path: "envs/**/config.yaml"}}]"""
    template = """    metadata:
      name: "{{cluster.name}}-{{path.basename}}"
      labels:
        file: "{{path.filename}}"
        norm: "{{path.filenameNormalized}}"
        tag: "{{tags.0}}"
        dir: "{{path[1]}}"
    spec:
      project: default
      source: {repoURL: "@URL@", path: "{{path}}"}
      destination: {server: "{{cluster.address}}", namespace: default}"""
    files = {
        "envs/eu/prod/config.yaml": "cluster: {name: prod, address: https://prod}\ntags: [gold]\n",
        "set.yaml": appset("files", gen, template),
    }
    app = found(tmp_path, files).app("prod-prod")
    assert app is not None and app.error is None
    assert app.source.path == "envs/eu/prod" and app.destination.server == "https://prod"
    assert dict(app.labels) == {"file": "config.yaml", "norm": "config.yaml", "tag": "gold",
                                "dir": "eu"}  # fmt: skip


def test_go_file_parameters_and_path_param_prefix_and_values(tmp_path: Path) -> None:
    gen = f"""    - git:
        repoURL: {URL}
        pathParamPrefix: cfg
        values: {{owner: "team-{{{{.cluster.name}}}}"}}
        files: [{{path: "envs/*/config.json"}}]"""
    template = """    metadata:
      name: "{{.cluster.name}}-{{.cfg.path.basename}}"
      labels: {file: "{{.cfg.path.filename}}", owner: "{{.values.owner}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: "{{.cfg.path.path}}"}
      destination: {server: https://kubernetes.default.svc, namespace: default}"""
    files = {
        "envs/dev/config.json": '{"cluster": {"name": "dev"}}',
        "set.yaml": appset("files", gen, template, go=True),
    }
    app = found(tmp_path, files).app("dev-dev")
    assert app is not None and app.error is None, found(tmp_path, files).problems
    assert dict(app.labels) == {"file": "config.json", "owner": "team-dev"}
    assert app.source.path == "envs/dev"


def test_a_generator_template_is_merged_over_the_appset_template(tmp_path: Path) -> None:
    gens = """    - list:
        elements: [{env: dev}]
    - list:
        elements: [{env: prod}]
        template:
          metadata: {labels: {tier: gold}}
          spec:
            project: production
            syncPolicy: {automated: {selfHeal: true}}"""
    template = """    metadata:
      name: "web-{{env}}"
      labels: {env: "{{env}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: web}
      destination: {server: https://kubernetes.default.svc, namespace: "{{env}}"}"""
    result = found(tmp_path, {"web/x.yaml": "{}", "set.yaml": appset("web", gens, template)})
    dev, prod = result.app("web-dev"), result.app("web-prod")
    assert dev is not None and prod is not None
    assert (dev.project, dict(dev.labels)) == ("default", {"env": "dev"})
    # The generator's fields win; what it leaves out comes from the ApplicationSet's.
    assert (prod.project, dict(prod.labels)) == ("production", {"env": "prod", "tier": "gold"})
    assert prod.sync_policy.self_heal and prod.source.path == "web"


CLUSTERS_TEMPLATE = """    metadata: {name: "web-{{name}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: web}
      destination: {server: "{{server}}", namespace: web}"""
CONFIG = Config(
    clusters=(
        ClusterConfig(name="prod", server="https://prod", labels={"env": "prod"}),
        ClusterConfig(name="dev", server="https://dev"),
    )
)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("{}", ["web-dev", "web-in-cluster", "web-prod"]),
        ("{selector: {matchLabels: {env: prod}}}", ["web-prod"]),
        (
            "{selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster}}}",
            ["web-dev", "web-prod"],
        ),
    ],
)
def test_clusters_generator_sees_cluster_secrets_and_the_local_cluster(
    tmp_path: Path, selector: str, expected: list[str]
) -> None:
    gen = f"    - clusters: {selector}"
    files = {"web/x.yaml": "{}", "set.yaml": appset("web", gen, CLUSTERS_TEMPLATE)}
    assert [a.name for a in found(tmp_path, files, CONFIG).apps] == expected


@pytest.mark.parametrize("go", [False, True], ids=["classic", "goTemplate"])
def test_merge_generator_overrides_by_merge_keys(tmp_path: Path, go: bool) -> None:
    gens = """    - merge:
        mergeKeys: [server]
        generators:
          - clusters: {values: {replicas: "1"}}
          - list:
              elements:
                - {server: "https://prod", values.replicas: "5"}
                - {server: "https://nowhere", values.replicas: "9"}"""
    if go:
        gens = gens.replace('values.replicas: "5"', 'values: {replicas: "5"}').replace(
            'values.replicas: "9"', 'values: {replicas: "9"}'
        )
    ref = "{{.name}}" if go else "{{name}}"
    rep = "{{.values.replicas}}" if go else "{{values.replicas}}"
    template = f"""    metadata: {{name: "web-{ref}", labels: {{replicas: "{rep}"}}}}
    spec:
      project: default
      source: {{repoURL: "{URL}", path: web}}
      destination: {{server: https://kubernetes.default.svc, namespace: web}}"""
    files = {"web/x.yaml": "{}", "set.yaml": appset("web", gens, template, go=go)}
    result = found(tmp_path, files, CONFIG)
    assert result.problems == ()
    replicas = {a.name: dict(a.labels)["replicas"] for a in result.apps}
    assert replicas == {"web-in-cluster": "1", "web-prod": "5", "web-dev": "1"}


def nested_matrix(inner: str) -> str:
    return f"""    - matrix:
        generators:
          - {inner}:
              {"mergeKeys: [env]" if inner == "merge" else ""}
              generators:
                - list: {{elements: [{{env: dev}}, {{env: prod}}]}}
                - list: {{elements: [{{env: dev, region: eu}}, {{env: prod, region: us}}]}}
          - list: {{elements: [{{tier: web}}]}}"""


MATRIX_TEMPLATE = """    metadata: {name: "{{tier}}-{{env}}-{{region}}"}
    spec:
      project: default
      source: {repoURL: "@URL@", path: web}
      destination: {server: https://kubernetes.default.svc, namespace: "{{env}}"}"""


def test_a_matrix_may_nest_one_matrix_or_merge(tmp_path: Path) -> None:
    files = {"web/x.yaml": "{}", "set.yaml": appset("web", nested_matrix("merge"), MATRIX_TEMPLATE)}
    assert [a.name for a in found(tmp_path, files).apps] == ["web-dev-eu", "web-prod-us"]


def test_a_matrix_nested_deeper_than_argo_cd_allows_is_an_error(tmp_path: Path) -> None:
    too_deep = nested_matrix("matrix").replace(
        "- list: {elements: [{env: dev}, {env: prod}]}",
        "- matrix: {generators: [{list: {elements: [{env: dev}]}}, {list: {elements: [{x: y}]}}]}",
    )
    files = {"web/x.yaml": "{}", "set.yaml": appset("web", too_deep, MATRIX_TEMPLATE)}
    result = found(tmp_path, files)
    assert result.apps == ()
    assert "only one level deep" in result.problems[0] and result.problems[0].startswith(
        "set.yaml:1:"
    )


def test_classic_matrix_with_conflicting_keys_is_an_error(tmp_path: Path) -> None:
    gens = """    - matrix:
        generators:
          - list: {elements: [{env: dev}]}
          - list: {elements: [{env: prod}]}"""
    files = {"web/x.yaml": "{}", "set.yaml": appset("web", gens, MATRIX_TEMPLATE)}
    (problem,) = found(tmp_path, files).problems
    assert "found duplicate key env with different value" in problem


@pytest.mark.parametrize("go", [False, True], ids=["classic", "goTemplate"])
def test_an_unclosed_template_action_is_an_error_of_that_appset(tmp_path: Path, go: bool) -> None:
    bad = "set-{{ .name " if go else "set-{{ name "
    template = f"""    metadata: {{name: "{bad}"}}
    spec:
      project: default
      source: {{repoURL: "{URL}", path: web}}
      destination: {{server: https://kubernetes.default.svc, namespace: web}}"""
    good = appset(
        "good",
        "    - list: {elements: [{n: a}]}",
        CLUSTERS_TEMPLATE.replace("{{name}}", "{{n}}").replace(
            "{{server}}", "https://kubernetes.default.svc"
        ),
    )
    files = {
        "web/x.yaml": "{}",
        "sets/bad.yaml": "# the broken one\n"
        + appset("bad", "    - list: {elements: [{name: x}]}", template, go=go),
        "sets/good.yaml": good,
    }
    result = found(tmp_path, files)
    assert [a.name for a in result.apps] == ["web-a"]  # the other apps go on
    (problem,) = result.problems
    assert problem.startswith("sets/bad.yaml:2: ApplicationSet bad: ")
    assert "set-{{" in problem and ("unclosed action" in problem or "end tag" in problem)


APP_ELSEWHERE = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook}
spec:
  project: default
  source: {repoURL: "https://github.com/argoproj/argocd-example-apps.git", path: guestbook}
  destination: {server: https://kubernetes.default.svc, namespace: guestbook}
"""


def test_a_repo_url_that_is_not_this_repo_is_never_read_here(tmp_path: Path) -> None:
    """A path with that name exists here, but the Application names another repository:
    an error on the app (not a render of the wrong files)."""
    files = {"guestbook/x.yaml": "{}", "app.yaml": APP_ELSEWHERE}
    app = found(tmp_path, files).app("guestbook")
    assert app is not None and app.error is not None
    assert "not the audited repository" in app.error and "repos:" in app.error
    configured = Config(repos=(RepoConfig(url="https://github.com/argoproj/argocd-example-apps"),))
    fine = found(tmp_path, files, configured).app("guestbook")
    assert fine is not None and fine.error is None
    assert fine.source.repo_url == "https://github.com/argoproj/argocd-example-apps"


def test_a_git_generator_on_another_repo_is_an_error_of_its_appset(tmp_path: Path) -> None:
    gen = """    - git:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        directories: [{path: "*"}]"""
    files = {"guestbook/x.yaml": "{}", "set.yaml": appset("dirs", gen, CLASSIC_TEMPLATE)}
    result = found(tmp_path, files)
    assert result.apps == ()
    (problem,) = result.problems
    other = "https://github.com/argoproj/argocd-example-apps.git"
    assert f"git generator: repoURL {other} is not the audited repository" in problem


def test_a_repo_with_no_url_of_its_own_stands_for_the_paths_it_has(tmp_path: Path) -> None:
    """A plain directory (or a clone without remote) cannot be told apart from the
    repoURL: its path decides, as documented."""
    files = {"guestbook/x.yaml": "{}", "app.yaml": APP_ELSEWHERE}
    app = found(tmp_path, files, identities=()).app("guestbook")
    assert app is not None and app.error is None
