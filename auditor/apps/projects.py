"""AppProject rules, applied as Argo CD applies them (`AppProject.IsSourcePermitted`,
`IsDestinationPermitted`, `IsGroupKindPermitted`): which repos an app may read, which
cluster and namespace it may deploy to, which kinds it may create. Pure.

Each breach is a `ProjectBreach` with Argo CD's own message and the rule it breaks. Only
projects declared in the repo are known; the `default` project Argo CD creates (which
permits everything) stands for itself when the repo does not declare it, and a project
defined elsewhere is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.apps.discover import normalize_repo_url
from auditor.model import App, Project, Resource


@dataclass(frozen=True)
class ProjectBreach:
    """One rule an app breaks: the project, the rule (`sourceRepos`, `destinations`,
    `clusterResourceWhitelist`, ...) and Argo CD's message."""

    project: str
    rule: str
    message: str


def glob_match(pattern: str, value: str, *, separators: str = "") -> bool:
    """Argo CD's globMatch: `*` alone matches all; `!pattern` is a deny pattern (matched
    when the value does not match); with separators `*` stays between them, `**` not."""
    if pattern.startswith("!"):
        return not glob_match(pattern[1:], value, separators=separators)
    if pattern == "*":
        return True
    return _glob(pattern, separators).fullmatch(value) is not None


def _glob(pattern: str, separators: str) -> re.Pattern[str]:
    star = f"[^{re.escape(separators)}]*" if separators else ".*"
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        c = pattern[i]
        if c == "*":
            out.append(star)
        elif c == "?":
            out.append(f"[^{re.escape(separators)}]" if separators else ".")
        elif c == "{" and (end := pattern.find("}", i)) > i:
            out.append(
                "(?:" + "|".join(re.escape(a) for a in pattern[i + 1 : end].split(",")) + ")"
            )
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


def source_permitted(project: Project, repo_url: str) -> bool:
    wanted = normalize_repo_url(repo_url)
    matched = False
    for pattern in project.source_repos:
        deny = pattern.startswith("!")
        normalized = ("!" if deny else "") + normalize_repo_url(pattern.removeprefix("!"))
        hit = glob_match(normalized, wanted, separators="/")
        if hit and not deny:
            matched = True
        elif not hit and deny:
            return False
    return matched


def destination_permitted(project: Project, *, server: str, name: str, namespace: str) -> bool:
    matched = False
    for item in project.destinations:
        i_server, i_name = str(item.get("server") or ""), str(item.get("name") or "")
        i_namespace = str(item.get("namespace") or "")
        by_name = bool(name) and bool(i_name) and glob_match(i_name, name)
        by_server = bool(server) and bool(i_server) and glob_match(i_server, server)
        in_namespace = glob_match(i_namespace, namespace)
        if (by_server or by_name) and in_namespace:
            matched = True
        elif (
            (not by_name and i_name.startswith("!"))
            or (not by_server and i_server.startswith("!"))
            or (not in_namespace and i_namespace.startswith("!"))
        ):
            return False
    return matched


def _in_list(group: str, kind: str, entries: Iterable[Mapping[str, Any]]) -> bool:
    return any(
        glob_match(str(e.get("group") if e.get("group") is not None else ""), group)
        and glob_match(str(e.get("kind") or ""), kind)
        for e in entries
    )


def kind_permitted(project: Project, *, group: str, kind: str, namespaced: bool) -> bool:
    """Cluster-scoped kinds need the whitelist (an absent one permits none) and not the
    blacklist; namespaced kinds need the namespace whitelist when there is one."""
    if namespaced:
        allow = project.namespace_resource_whitelist
        allowed = allow is None or _in_list(group, kind, allow)
        return allowed and not _in_list(group, kind, project.namespace_resource_blacklist)
    allowed = _in_list(group, kind, project.cluster_resource_whitelist)
    return allowed and not _in_list(group, kind, project.cluster_resource_blacklist)


def project_of(app: App, projects: Sequence[Project]) -> Project | None:
    """The app's project as declared in the repo; Argo CD's built-in `default` (permits
    everything) when the repo does not declare it; None for a project defined elsewhere."""
    found = next((p for p in projects if p.name == app.project), None)
    if found is None and app.project == "default":
        return DEFAULT_PROJECT
    return found


DEFAULT_PROJECT = Project(
    name="default",
    source_repos=("*",),
    destinations=({"server": "*", "name": "*", "namespace": "*"},),
    cluster_resource_whitelist=({"group": "*", "kind": "*"},),
)


def app_breaches(
    app: App, project: Project | None, *, server: str, name: str
) -> list[ProjectBreach]:
    """Argo CD's InvalidSpecError conditions of the app: a repo outside `sourceRepos`, a
    destination outside `destinations` (`server`/`name`: the destination cluster's)."""
    if project is None:
        return []
    out = []
    for repo_url in declared_repos(app):
        if not source_permitted(project, repo_url):
            out.append(
                ProjectBreach(
                    project.name,
                    "sourceRepos",
                    f"application repo {repo_url} is not permitted in project '{project.name}'",
                )
            )
    namespace = app.destination.namespace
    if not destination_permitted(project, server=server, name=name, namespace=namespace):
        out.append(
            ProjectBreach(
                project.name,
                "destinations",
                f"application destination {{{server or name} {namespace}}} is not permitted "
                f"in project '{project.name}'",
            )
        )
    return out


def declared_repos(app: App) -> list[str]:
    """The repoURLs the Application manifest names (what Argo CD checks), not the repo
    they were resolved to here."""
    spec = (app.manifest or {}).get("spec") or {}
    sources = [spec.get("source")] if spec.get("source") else list(spec.get("sources") or [])
    found = [str(s.get("repoURL") or "") for s in sources if isinstance(s, Mapping)]
    return [url for url in dict.fromkeys(found) if url]


def resource_breaches(
    project: Project | None,
    resources: Iterable[Resource],
    *,
    server: str,
    name: str,
) -> list[tuple[Resource, ProjectBreach]]:
    """The rendered objects the project forbids, with Argo CD's sync-time messages: a kind
    not permitted (cluster-scoped ones need `clusterResourceWhitelist`), or a namespace
    outside `destinations`."""
    if project is None:
        return []
    out = []
    for resource in resources:
        group, kind = resource.key.group, resource.key.kind
        namespaced = bool(resource.key.namespace)
        if not kind_permitted(project, group=group, kind=kind, namespaced=namespaced):
            rule = "clusterResourceWhitelist" if not namespaced else "namespaceResourceBlacklist"
            if namespaced and project.namespace_resource_whitelist is not None:
                rule = "namespaceResourceWhitelist"
            elif not namespaced and _in_list(group, kind, project.cluster_resource_blacklist):
                rule = "clusterResourceBlacklist"
            message = f"resource {group}:{kind} is not permitted in project {project.name}"
            out.append((resource, ProjectBreach(project.name, rule, message)))
        elif namespaced and not destination_permitted(
            project, server=server, name=name, namespace=resource.key.namespace
        ):
            message = (
                f"namespace {resource.key.namespace} is not permitted in project '{project.name}'"
            )
            out.append((resource, ProjectBreach(project.name, "destinations", message)))
    return out
