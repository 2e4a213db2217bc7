"""App discovery: every Argo CD Application, ApplicationSet and AppProject in a repo tree,
plus the apps the config adds, with no other configuration needed.

Files are filtered by a cheap text check before parsing; a file that cannot be parsed is
a problem of the discovery (reported), never the end of it. App-of-apps parents are linked
to the apps whose manifests sit under their path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from auditor.apps.argocd import (
    expand_application_set,
    is_argo,
    parse_application,
    parse_project,
)
from auditor.apps.generators import (
    IN_CLUSTER,
    SECRET_TYPE_LABEL,
    ClusterInfo,
    GeneratorContext,
    GeneratorError,
    RepoLookup,
)
from auditor.apps.gitgen import listing, one_walk
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
    DiscoveryFailure,
    Mode,
    Project,
    Resource,
    SourceLocation,
)

ARGO_KINDS = ("Application", "ApplicationSet", "AppProject")
# A manifest file without this text declares no Argo CD object (and is not parsed).
ARGO_MARK = "argoproj.io"


def normalize_repo_url(url: str) -> str:
    """Compare repo URLs as Argo CD does: scheme, case of host, `.git` and `/` do not matter."""
    text = url.strip().rstrip("/").removesuffix(".git").lower()
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)  # user@ of ssh and https URLs
    return text.replace(":", "/", 1) if re.match(r"^[\w.-]+:[^/]", text) else text


class ConfigResolver:
    """Resolves repo URLs, destinations and modes for one repo being read.

    The audited repo is known by `identities` (its URL, or a local clone's remotes): a
    repoURL that is neither one of them nor a configured repo is an error, whatever
    paths exist here. Only a repo with no URL of its own (a plain directory, a clone
    without remote) stands for any repoURL whose path exists in it."""

    def __init__(
        self, *, config: Config, repo_url: str, root: Path, identities: Sequence[str] = ()
    ) -> None:
        self.config = config
        self.repo_url = repo_url
        self.root = root
        self.names = tuple(u for u in identities if u)
        self.identities = {normalize_repo_url(u) for u in (repo_url, *self.names)}
        self.anonymous = not self.names

    def configured(self, repo_url: str) -> str | None:
        """The configured repo `repo_url` names (by URL or alias), if any."""
        wanted = normalize_repo_url(repo_url)
        for repo in self.config.repos:
            if any(normalize_repo_url(u) == wanted for u in (repo.url, *repo.aliases)):
                return repo.url
        return None

    def is_audited(self, repo_url: str) -> bool:
        return normalize_repo_url(repo_url) in self.identities

    def unknown_repo(self, repo_url: str) -> str:
        return (
            f"repoURL {repo_url} is not the audited repository ({', '.join(self.names)}) "
            "and matches no configured repo (add it to `repos:` in the config, or as an "
            "alias of one)"
        )

    def repo_for(self, repo_url: str, path: str) -> tuple[str, str | None]:
        if self.is_audited(repo_url):
            return self.repo_url, None
        configured = self.configured(repo_url)
        if configured is not None:
            return configured, None
        if not self.anonymous:
            return repo_url, self.unknown_repo(repo_url)
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
        """The clusters generator's clusters, as Argo CD lists them: each configured one
        as a cluster secret (its labels plus `argocd.argoproj.io/secret-type: cluster`),
        and the local cluster, unless a configured one stands for it."""
        secrets = [
            ClusterInfo(
                name=c.name,
                server=c.server or IN_CLUSTER_SERVER,
                labels={**c.labels, SECRET_TYPE_LABEL: "cluster"},
                annotations={},
            )
            for c in self.config.clusters
        ]
        local = any(c.server.rstrip("/") == IN_CLUSTER_SERVER for c in secrets)
        return secrets if local else [IN_CLUSTER, *secrets]


class _Collector:
    """Accumulates apps, projects and problems from Argo CD manifests of one repo."""

    def __init__(
        self,
        *,
        root: Path,
        repo_url: str,
        config: Config,
        repo_lookup: RepoLookup | None,
        identities: Sequence[str] = (),
    ) -> None:
        self.resolver = ConfigResolver(
            config=config, repo_url=repo_url, root=root, identities=identities
        )
        self.root = root
        self.repo_url = repo_url
        self.repo_lookup = repo_lookup
        self.apps: dict[str, App] = {}
        self.projects: list[Project] = []
        self.problems: list[str] = []
        self.failures: list[DiscoveryFailure] = []
        self.declared: list[Resource] = []

    def _lookup(self, url: str, revision: str) -> Path | None:
        """The tree a git generator reads: this repo's, a configured repo's, or an error
        for a repoURL that is neither (never this tree because a path happens to match)."""
        resolver = self.resolver
        configured = resolver.configured(url)
        if resolver.is_audited(url) or (configured is None and resolver.anonymous):
            # This repo, at the generator's revision (the lookup knows which tree that is).
            return self.repo_lookup(self.repo_url, revision) if self.repo_lookup else self.root
        if configured is None:
            raise GeneratorError(f"git generator: {resolver.unknown_repo(url)}")
        return self.repo_lookup(configured, revision) if self.repo_lookup else None

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
                failure = DiscoveryFailure(appset, "ApplicationSet", exc.message, origin)
                self.failures.append(failure)
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
            failures=tuple(self.failures),
        )


def discover(
    *,
    root: Path,
    revision: str,
    repo_url: str,
    config: Config,
    repo_lookup: RepoLookup | None = None,
    identities: Sequence[str] = (),
) -> Discovery:
    """All apps and projects declared in the tree at `root` (plus config apps);
    `identities` are the URLs the audited repo is known by (see `ConfigResolver`)."""
    collector = _Collector(
        root=root,
        repo_url=repo_url,
        config=config,
        repo_lookup=repo_lookup,
        identities=identities,
    )
    with one_walk():  # every git generator of the pass reads one walk of each tree
        for rel, line, body in _argo_documents(root, collector.problems, collector.failures):
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
    identities: Sequence[str] = (),
) -> Discovery:
    """Add the Applications (and ApplicationSets) that `parent` renders, app of apps built
    with Kustomize or Helm, to a discovery."""
    collector = _Collector(
        root=root,
        repo_url=repo_url,
        config=config,
        repo_lookup=repo_lookup,
        identities=identities,
    )
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
    collector.failures = list(discovery.failures)
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
    root: Path, problems: list[str], failures: list[DiscoveryFailure]
) -> Iterator[tuple[str, int, Mapping[str, Any]]]:
    for file in _manifest_files(root):
        rel = file.relative_to(root).as_posix()
        try:
            if ARGO_MARK not in file.read_text(encoding="utf-8", errors="replace"):
                continue
            docs = parse_file(file, display=rel)
        except ManifestError as exc:
            problems.append(f"{exc.message} (file skipped)")
            failures.append(DiscoveryFailure(rel, "file", exc.message, SourceLocation(rel)))
            continue
        for doc in docs:
            if isinstance(doc.body, Mapping):
                yield rel, doc.line, doc.body


def _manifest_files(root: Path) -> Iterator[Path]:
    """Manifest files under root, skipping hidden directories and Helm chart templates."""
    for file in listing(root).files:
        if file.suffix not in MANIFEST_SUFFIXES:
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
