"""AppProject rules as Argo CD applies them: sourceRepos (with deny patterns),
destinations by server or name, cluster-scoped kinds need the whitelist, namespaced ones
the namespace lists; the built-in `default` project permits everything."""

from __future__ import annotations

from auditor.apps.projects import (
    DEFAULT_PROJECT,
    app_breaches,
    destination_permitted,
    kind_permitted,
    project_of,
    resource_breaches,
    source_permitted,
)
from auditor.model import App, AppSource, Destination, Project, Resource

PROJECT = Project(
    name="team-a",
    source_repos=("https://github.com/acme/*", "!https://github.com/acme/secrets"),
    destinations=(
        {"server": "https://kubernetes.default.svc", "namespace": "team-a-*"},
        {"name": "prod-*", "namespace": "team-a"},
    ),
    cluster_resource_whitelist=({"group": "", "kind": "Namespace"},),
    namespace_resource_blacklist=({"group": "", "kind": "ResourceQuota"},),
)


def test_source_repos_glob_per_path_segment_with_deny_patterns() -> None:
    assert source_permitted(PROJECT, "https://github.com/acme/deploy.git")
    assert source_permitted(PROJECT, "git@github.com:acme/deploy.git")  # normalized like Argo CD
    assert not source_permitted(PROJECT, "https://github.com/acme/secrets")
    assert not source_permitted(PROJECT, "https://github.com/acme/nested/repo")  # * stops at /
    assert not source_permitted(PROJECT, "https://gitlab.com/acme/deploy")


def test_destinations_match_by_server_or_name_and_namespace() -> None:
    in_cluster = "https://kubernetes.default.svc"
    assert destination_permitted(
        PROJECT, server=in_cluster, name="in-cluster", namespace="team-a-dev"
    )
    assert not destination_permitted(PROJECT, server=in_cluster, name="", namespace="kube-system")
    assert destination_permitted(PROJECT, server="https://p1", name="prod-eu", namespace="team-a")
    assert not destination_permitted(PROJECT, server="https://p1", name="dev", namespace="team-a")


def test_kinds_cluster_scoped_need_the_whitelist_namespaced_the_blacklist() -> None:
    assert kind_permitted(PROJECT, group="", kind="Namespace", namespaced=False)
    assert not kind_permitted(PROJECT, group="rbac.authorization.k8s.io", kind="ClusterRole",
                              namespaced=False)  # fmt: skip
    assert kind_permitted(PROJECT, group="apps", kind="Deployment", namespaced=True)
    assert not kind_permitted(PROJECT, group="", kind="ResourceQuota", namespaced=True)
    none = Project(name="p", namespace_resource_whitelist=())  # an empty whitelist: nothing
    assert not kind_permitted(none, group="apps", kind="Deployment", namespaced=True)


def app(repo: str, namespace: str, project: str = "team-a") -> App:
    return App(
        name="web", project=project,
        source=AppSource(repo_url="/checkout/of/it", path="web"),
        destination=Destination(server="https://kubernetes.default.svc", namespace=namespace),
        cluster="in-cluster",
        manifest={"spec": {"source": {"repoURL": repo, "path": "web"}}},
    )  # fmt: skip


def test_app_breaches_use_argo_cd_s_messages() -> None:
    found = app_breaches(
        app("https://github.com/other/web", "prod"),
        PROJECT,
        server="https://kubernetes.default.svc",
        name="in-cluster",
    )
    assert [(b.rule, b.message) for b in found] == [
        ("sourceRepos",
         "application repo https://github.com/other/web is not permitted in project 'team-a'"),
        ("destinations",
         "application destination {https://kubernetes.default.svc prod} is not permitted in "
         "project 'team-a'"),
    ]  # fmt: skip


def test_resource_breaches_name_the_kind_and_the_namespace() -> None:
    role = Resource.of({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                        "metadata": {"name": "reader"}})  # fmt: skip
    other_ns = Resource.of({"apiVersion": "v1", "kind": "ConfigMap",
                            "metadata": {"name": "c", "namespace": "kube-system"}})  # fmt: skip
    fine = Resource.of({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "c", "namespace": "team-a-dev"}})  # fmt: skip
    found = resource_breaches(
        PROJECT, [role, other_ns, fine], server="https://kubernetes.default.svc", name=""
    )
    assert [(r.key.name, b.rule, b.message) for r, b in found] == [
        ("reader", "clusterResourceWhitelist",
         "resource rbac.authorization.k8s.io:ClusterRole is not permitted in project team-a"),
        ("c", "destinations", "namespace kube-system is not permitted in project 'team-a'"),
    ]  # fmt: skip


def test_the_built_in_default_project_permits_everything_and_others_are_not_judged() -> None:
    assert project_of(app("x", "y", project="default"), []) is DEFAULT_PROJECT
    assert project_of(app("x", "y", project="elsewhere"), []) is None
    assert (
        app_breaches(app("https://anywhere/x", "any"), DEFAULT_PROJECT, server="s", name="n") == []
    )
