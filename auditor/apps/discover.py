"""App discovery: every Argo CD Application, ApplicationSet and AppProject in a repo tree,
plus the apps the config adds, with no other configuration needed.

Files are filtered by a cheap text check before parsing; a file that cannot be parsed is
a problem of the discovery (reported), never the end of it. App-of-apps parents are linked
to the apps whose manifests sit under their path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.apps.argocd import (
    expand_application_set,
    is_argo,
    parse_application,
    parse_project,
)
from auditor.apps.generators import IN_CLUSTER, ClusterInfo, GeneratorContext, RepoLookup
from auditor.config import AppConfig, Config
from auditor.errors import AuditorError, ManifestError
from auditor.manifests import MANIFEST_SUFFIXES, parse_file
from auditor.model import (
    IN_CLUSTER_NAME,
    IN_CLUSTER_SERVER,
    App,
    AppSource,
    Destination,
    Discovery,
    Mode,
    Project,
    SourceLocation,
)


def normalize_repo_url(url: str) -> str:
    """Compare repo URLs as Argo CD does: scheme, case of host, `.git` and `/` do not matter."""
    text = url.strip().rstrip("/").removesuffix(".git").lower()
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)  # user@ of ssh and https URLs
    return text.replace(":", "/", 1) if re.match(r"^[\w.-]+:[^/]", text) else text


class ConfigResolver:
    """Resolves repo URLs, destinations and modes for one repo being read."""

    def __init__(self, *, config: Config, repo_url: str, root: Path) -> None:
        self.config = config
        self.repo_url = repo_url
        self.root = root

    def repo_for(self, repo_url: str, path: str) -> tuple[str, str | None]:
        wanted = normalize_repo_url(repo_url)
        for repo in self.config.repos:
            urls = (repo.url, *repo.aliases)
            if any(normalize_repo_url(u) == wanted for u in urls):
                return repo.url, None
        if (self.root / path).is_dir():
            return self.repo_url, None
        return repo_url, (
            f"repoURL {repo_url} matches no configured repo and path {path!r} "
            "does not exist in this repo"
        )

    def cluster_for(self, destination: Destination) -> str:
        if destination.name:
            return destination.name
        server = destination.server.rstrip("/")
        configured = self.config.cluster_by_server(server)
        if configured is not None:
            return configured.name
        if server == IN_CLUSTER_SERVER:
            return IN_CLUSTER_NAME
        return server

    def mode_for(self, *, app: str, project: str, self_heal: bool) -> Mode:
        rem = self.config.remediation
        if app in rem.apps:
            return rem.apps[app]
        if project in rem.projects:
            return rem.projects[project]
        if self_heal:
            return Mode.HEAL
        return rem.default or Mode.REPORT

    def clusters(self) -> list[ClusterInfo]:
        if not self.config.clusters:
            return [IN_CLUSTER]
        return [
            ClusterInfo(
                name=c.name, server=c.server or IN_CLUSTER_SERVER, labels=c.labels, annotations={}
            )
            for c in self.config.clusters
        ]


def discover(
    *,
    root: Path,
    revision: str,
    repo_url: str,
    config: Config,
    repo_lookup: RepoLookup | None = None,
) -> Discovery:
    """All apps and projects declared in the tree at `root` (plus config apps)."""
    resolver = ConfigResolver(config=config, repo_url=repo_url, root=root)

    def lookup(url: str, rev: str) -> Path | None:
        repo, _ = resolver.repo_for(url, ".")
        if repo == repo_url:
            return root
        return repo_lookup(repo, rev) if repo_lookup else None

    def ctx_for(*, go_template: bool, missing_key_error: bool) -> GeneratorContext:
        return GeneratorContext(
            clusters=resolver.clusters(),
            repo_lookup=lookup,
            go_template=go_template,
            missing_key_error=missing_key_error,
        )

    apps: dict[str, App] = {}
    projects: list[Project] = []
    problems: list[str] = []

    def add(app: App) -> None:
        if app.name in apps:
            first = apps[app.name].origin
            where = f" (first defined at {first.path}:{first.line})" if first else ""
            at = f"{app.origin.path}:{app.origin.line}" if app.origin else "config"
            problems.append(f"{at}: duplicate app name {app.name!r} ignored{where}")
            return
        apps[app.name] = app

    for rel, line, body in _argo_documents(root, problems):
        origin = SourceLocation(path=rel, line=line)
        if is_argo(body, "Application"):
            add(parse_application(body, origin=origin, resolver=resolver))
        elif is_argo(body, "AppProject"):
            projects.append(parse_project(body, origin=origin))
        elif is_argo(body, "ApplicationSet"):
            appset = str((body.get("metadata") or {}).get("name") or "")
            try:
                generated = expand_application_set(body, ctx_for=ctx_for)
            except AuditorError as exc:
                problems.append(f"{rel}:{line}: {exc.message}")
                continue
            for manifest in generated:
                add(
                    parse_application(
                        manifest, origin=origin, resolver=resolver, generated_by=appset
                    )
                )
    for extra in config.apps:
        add(_config_app(extra, resolver=resolver, repo_url=repo_url))
    linked = _link_parents(list(apps.values()), repo_url=repo_url)
    return Discovery(
        revision=revision,
        apps=tuple(sorted(linked, key=lambda a: a.name)),
        projects=tuple(sorted(projects, key=lambda p: p.name)),
        problems=tuple(problems),
    )


def _argo_documents(
    root: Path, problems: list[str]
) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for file in _manifest_files(root):
        rel = file.relative_to(root).as_posix()
        try:
            if "argoproj.io" not in file.read_text(encoding="utf-8", errors="replace"):
                continue
            docs = parse_file(file, display=rel)
        except ManifestError as exc:
            problems.append(f"{exc.message} (file skipped)")
            continue
        for doc in docs:
            if isinstance(doc.body, Mapping):
                yield rel, doc.line, doc.body


def _manifest_files(root: Path) -> Iterator[Path]:
    """Manifest files under root, skipping hidden directories and Helm chart templates."""
    for file in sorted(root.rglob("*")):
        if file.suffix not in MANIFEST_SUFFIXES or not file.is_file():
            continue
        if any(p.startswith(".") for p in file.relative_to(root).parts):
            continue
        if any(d.name == "templates" and (d.parent / "Chart.yaml").is_file() for d in file.parents):
            continue  # Helm templates are not YAML until helm renders them
        yield file


def _config_app(extra: AppConfig, *, resolver: ConfigResolver, repo_url: str) -> App:
    repo = extra.repo or repo_url
    source = AppSource(
        repo_url=repo, path=extra.path.strip("/") or ".", target_revision=extra.revision
    )
    destination = Destination(name=extra.cluster, namespace=extra.namespace)
    error = None
    if repo == repo_url and not (resolver.root / source.path).is_dir():
        error = f"path {extra.path!r} does not exist in this repo"
    return App(
        name=extra.name,
        project=extra.project,
        source=source,
        destination=destination,
        cluster=resolver.cluster_for(destination),
        mode=resolver.config.remediation.apps.get(extra.name, extra.mode),
        error=error,
    )


def _link_parents(apps: list[App], *, repo_url: str) -> list[App]:
    """Mark apps whose manifest lies under another app's source path (app of apps)."""
    parents = [a for a in apps if a.source.repo_url == repo_url and a.error is None]
    out: list[App] = []
    for app in apps:
        parent = next((p.name for p in parents if p is not app and _holds(p, app)), "")
        out.append(replace(app, parent=parent) if parent else app)
    return out


def _holds(parent: App, child: App) -> bool:
    if child.origin is None:
        return False
    origin = PurePosixPath(child.origin.path)
    base = PurePosixPath(parent.source.path)
    if base == PurePosixPath(".") or base in origin.parents:
        directory = parent.source.directory
        recurse = bool(directory and directory.recurse)
        rel = origin.relative_to(base) if base != PurePosixPath(".") else origin
        if not recurse and len(rel.parts) > 1:
            return False
        if directory and directory.exclude and PurePosixPath(rel).match(directory.exclude):
            return False
        return True
    return False
