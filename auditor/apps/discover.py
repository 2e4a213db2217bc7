"""App discovery: every Argo CD Application, ApplicationSet and AppProject in a repo tree,
plus the apps the config adds, with no other configuration needed.

Files are filtered by a cheap text check before parsing; a file that cannot be parsed is
a problem of the discovery (reported), never the end of it. App-of-apps parents are linked
to the apps whose manifests sit under their path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
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
    Resource,
    SourceLocation,
)

ARGO_KINDS = ("Application", "ApplicationSet", "AppProject")


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


class _Collector:
    """Accumulates apps, projects and problems from Argo CD manifests of one repo."""

    def __init__(
        self, *, root: Path, repo_url: str, config: Config, repo_lookup: RepoLookup | None
    ) -> None:
        self.resolver = ConfigResolver(config=config, repo_url=repo_url, root=root)
        self.root = root
        self.repo_url = repo_url
        self.repo_lookup = repo_lookup
        self.apps: dict[str, App] = {}
        self.projects: list[Project] = []
        self.problems: list[str] = []
        self.declared: list[Resource] = []

    def _lookup(self, url: str, revision: str) -> Path | None:
        repo, _ = self.resolver.repo_for(url, ".")
        if repo == self.repo_url:
            return self.root
        return self.repo_lookup(repo, revision) if self.repo_lookup else None

    def _ctx(self, *, go_template: bool, missing_key_error: bool) -> GeneratorContext:
        return GeneratorContext(
            clusters=self.resolver.clusters(),
            repo_lookup=self._lookup,
            go_template=go_template,
            missing_key_error=missing_key_error,
        )

    def add(self, app: App) -> None:
        if app.name in self.apps:
            first = self.apps[app.name].origin
            where = f" (first defined at {first.path}:{first.line})" if first else ""
            at = f"{app.origin.path}:{app.origin.line}" if app.origin else "config"
            self.problems.append(f"{at}: duplicate app name {app.name!r} ignored{where}")
            return
        self.apps[app.name] = app

    def take(self, body: Mapping[str, Any], *, origin: SourceLocation, parent: str = "") -> None:
        """Add what one manifest declares (an Application, AppProject or ApplicationSet)."""
        if not parent and any(is_argo(body, k) for k in ARGO_KINDS):
            self.declared.append(Resource.of(body, source=origin))
        if is_argo(body, "Application"):
            app = parse_application(body, origin=origin, resolver=self.resolver)
            self.add(replace(app, parent=parent) if parent else app)
        elif is_argo(body, "AppProject"):
            self.projects.append(parse_project(body, origin=origin))
        elif is_argo(body, "ApplicationSet"):
            appset = str((body.get("metadata") or {}).get("name") or "")
            try:
                generated = expand_application_set(body, ctx_for=self._ctx)
            except AuditorError as exc:
                self.problems.append(f"{origin.path}:{origin.line}: {exc.message}")
                return
            for manifest in generated:
                app = parse_application(
                    manifest, origin=origin, resolver=self.resolver, generated_by=appset
                )
                self.add(replace(app, parent=parent) if parent else app)

    def result(self, revision: str) -> Discovery:
        linked = _link_parents(list(self.apps.values()), repo_url=self.repo_url)
        return Discovery(
            revision=revision,
            apps=tuple(sorted(linked, key=lambda a: a.name)),
            projects=tuple(sorted(self.projects, key=lambda p: p.name)),
            problems=tuple(self.problems),
            declared=tuple(self.declared),
        )


def discover(
    *,
    root: Path,
    revision: str,
    repo_url: str,
    config: Config,
    repo_lookup: RepoLookup | None = None,
) -> Discovery:
    """All apps and projects declared in the tree at `root` (plus config apps)."""
    collector = _Collector(root=root, repo_url=repo_url, config=config, repo_lookup=repo_lookup)
    for rel, line, body in _argo_documents(root, collector.problems):
        collector.take(body, origin=SourceLocation(path=rel, line=line))
    for extra in config.apps:
        collector.add(_config_app(extra, resolver=collector.resolver, repo_url=repo_url))
    return collector.result(revision)


def adopt_children(
    discovery: Discovery,
    *,
    parent: App,
    manifests: Iterable[Resource],
    root: Path,
    repo_url: str,
    config: Config,
    repo_lookup: RepoLookup | None = None,
) -> Discovery:
    """Add the Applications (and ApplicationSets) that `parent` renders, app of apps built
    with Kustomize or Helm, to a discovery."""
    collector = _Collector(root=root, repo_url=repo_url, config=config, repo_lookup=repo_lookup)
    # The manifests under the parent's path are inputs of its build, not apps of their
    # own: what the build outputs replaces them (as in Argo CD, where only those exist).
    base = PurePosixPath(parent.source.path)
    collector.apps = {
        a.name: a
        for a in discovery.apps
        if a.origin is None or base not in PurePosixPath(a.origin.path).parents
    }
    collector.projects = list(discovery.projects)
    collector.problems = list(discovery.problems)
    collector.declared = list(discovery.declared)
    for resource in manifests:
        origin = resource.source or SourceLocation(path=parent.source.path)
        collector.take(resource.body, origin=origin, parent=parent.name)
    return collector.result(discovery.revision)


def renders_applications(app: App, *, root: Path) -> bool:
    """Whether `app` may be an app of apps that needs rendering to show its children: a
    Kustomize or Helm app whose directory mentions Argo CD manifests."""
    app_dir = root / app.source.path
    if app.error or not app_dir.is_dir():
        return False
    generated = any((app_dir / n).is_file() for n in _BUILD_FILES)
    if not generated:
        return False
    for file in app_dir.rglob("*"):
        if file.suffix in MANIFEST_SUFFIXES and file.is_file():
            if "argoproj.io" in file.read_text(encoding="utf-8", errors="replace"):
                return True
    return False


_BUILD_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml")


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
    """Mark apps whose manifest lies under another app's source path (app of apps).

    Parents are indexed by path, and each child looks only at its own directory's
    ancestors: linear in the number of apps, not quadratic."""
    by_path: dict[PurePosixPath, list[App]] = {}
    for candidate in apps:
        if candidate.source.repo_url == repo_url and candidate.error is None:
            by_path.setdefault(PurePosixPath(candidate.source.path), []).append(candidate)
    out: list[App] = []
    for app in apps:
        parent = ""
        if app.origin is not None:
            origin = PurePosixPath(app.origin.path)
            for directory in origin.parents:
                holders = by_path.get(directory, [])
                parent = next((p.name for p in holders if p is not app and _holds(p, app)), "")
                if parent:
                    break
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
