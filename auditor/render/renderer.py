"""The render stage: an app plus a checkout directory in, its desired manifests out.

`Renderer.render` picks the source type as Argo CD does (Helm, Kustomize, Directory), uses
the render cache, then applies Argo CD's namespacing rule and, as Argo CD, keeps the last
of objects defined twice with a warning.
Called by the pipeline; never raises for a problem of the app itself.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.model import App, RenderedApp, Resource, ResourceKey, SourceLocation, SourceType
from auditor.render.cache import RenderCache, cache_key
from auditor.render.commits import CommitIndex, Indexed
from auditor.render.context import RenderContext
from auditor.render.directory import render_directory
from auditor.render.documents import RawRender
from auditor.render.helm import helm_not_found, render_helm
from auditor.render.inputs import InputKey, input_key
from auditor.render.kustomize import kustomization_file, render_kustomize
from auditor.render.scope import ScopeTable, api_group, declared_cluster_scoped
from auditor.render.tools import DEFAULT_TIMEOUT_SECONDS, default_kubectl, find_helm

WORKTREE = "worktree"


@dataclass
class RenderStats:
    """Counters: `render()` calls, those served from cache, processes started, and the
    renders whose key the commit's index gave (no file of the app read to key it)."""

    renders: int = 0
    cache_hits: int = 0
    kubectl_runs: int = 0
    helm_runs: int = 0
    keyed_by_commit: int = 0


class Renderer:
    """Renders apps; safe to share between threads."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        kubectl: Path | None = None,
        helm: str | None = None,
        cluster_scoped_kinds: Iterable[tuple[str, str]] = (),
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._kubectl = kubectl
        self._timeout = timeout  # of each helm or kustomize run
        self._helm = helm
        self._scope = ScopeTable(cluster_scoped_kinds)
        self._cache = RenderCache(cache_dir)
        self._commits = CommitIndex(cache_dir / "commits" if cache_dir is not None else None)
        self._worktrees: dict[str, tuple[str, frozenset[str]]] = {}
        self._lock = threading.Lock()
        self.stats = RenderStats()

    def render(
        self,
        app: App,
        *,
        root: Path,
        revision: str,
        cacheable: bool,
        context: RenderContext | None = None,
    ) -> RenderedApp:
        """The desired manifests of `app` in the tree at `root` (the repo at `revision`),
        for the destination and ref sources `context` describes."""
        context = context or RenderContext()
        cacheable = cacheable and revision != WORKTREE
        cacheable = cacheable and all(rev != WORKTREE for _, rev in context.refs.values())
        by_commit = cache_key(app, revision=revision, context=context.key()) if cacheable else ""
        named = cache_key(app, revision="", context=context.key())
        # A commit never changes: the inputs key its render had once, it has for good.
        # A working tree is its HEAD with some paths changed.
        indexed = None
        head = self._worktrees.get(str(root)) if revision == WORKTREE else None
        if by_commit:
            indexed = self._commits.get(revision, named)
        elif head is not None and not context.refs:
            indexed = self._commits.carried(head[0], named, head[1])
        if indexed is not None:
            key, cacheable = indexed.inputs_key, True
            with self._lock:
                self.stats.keyed_by_commit += 1
        else:
            inputs = self._inputs(app, root=root, revision=revision) if not context.refs else None
            if inputs is not None:  # keyed by what it reads: reused across commits and edits
                key = cache_key(app, revision=f"inputs:{inputs.digest}", context=context.key())
                cacheable = True
                if by_commit:
                    self._commits.put(revision, named, Indexed(key, inputs.reads))
                elif head is not None and inputs.reads and not inputs.reads.touched_by(head[1]):
                    # Nothing it read differs from HEAD: this is HEAD's key too.
                    self._commits.put(head[0], named, Indexed(key, inputs.reads))
            else:
                key = by_commit
        raw = self._cache.get(key) if cacheable else None
        with self._lock:
            self.stats.renders += 1
            if raw is not None:
                self.stats.cache_hits += 1
        if raw is None:
            try:
                raw = self._render_source(app, root=root, revision=revision, context=context)
            except OSError as exc:  # the machine, not the app: worth a retry, not a cache entry
                raw = RawRender.failed(
                    f"cannot render {app.source.path}: {exc}", deterministic=False
                )
            if cacheable:
                self._cache.put(key, raw)
        return self._finish(app, raw, revision=revision)

    def flush(self) -> None:
        """Keep what this process learned of commits' inputs keys (`CommitIndex`)."""
        self._commits.flush()

    def last_revision(self, repo: str) -> str | None:
        """The last revision of `repo` audited with this cache (see `follow`)."""
        return self._commits.last(repo)

    def follow(
        self, repo: str, revision: str, *, parent: str | None, changed: Iterable[str] = ()
    ) -> None:
        """`revision` of `repo`, audited now, is `parent` with these paths changed: its
        apps whose inputs the changes do not touch keep their key without their files
        being read (`parent` None: how it came about is not known)."""
        self._commits.follow(revision, parent=parent, changed=changed)
        self._commits.audited(repo, revision)

    def follow_worktree(self, root: Path, *, head: str, changed: frozenset[str]) -> None:
        """The working tree at `root` is commit `head` with these paths changed (see
        `sources.worktree.changes_from_head`): the apps none of them touch are keyed
        from (and keep) `head`'s index."""
        self._worktrees[str(root)] = (head, changed)

    def _inputs(self, app: App, *, root: Path, revision: str) -> InputKey | None:
        """The hash of the render's inputs (`inputs.input_digest`); None: key by commit.
        Options naming the revision (`$ARGOCD_APP_REVISION`) make the commit an input."""
        if "ARGOCD_APP_REVISION" in repr(app.source):
            return None
        app_dir = root / (app.source.path.strip() or ".")
        if not app_dir.is_dir():
            return None
        kind = self.source_type(app, app_dir=app_dir)
        return input_key(
            app, root=root, kind=str(kind.value).lower(), immutable=revision != WORKTREE
        )

    def source_type(self, app: App, *, app_dir: Path) -> SourceType:
        """Argo CD's choice: explicit options first, then Chart.yaml, then a kustomization."""
        source = app.source
        if source.helm is not None or source.chart:
            return SourceType.HELM
        if source.kustomize is not None:
            return SourceType.KUSTOMIZE
        if source.directory is not None:
            return SourceType.DIRECTORY
        if (app_dir / "Chart.yaml").is_file():
            return SourceType.HELM
        if kustomization_file(app_dir) is not None:
            return SourceType.KUSTOMIZE
        return SourceType.DIRECTORY

    def _render_source(
        self, app: App, *, root: Path, revision: str, context: RenderContext
    ) -> RawRender:
        path = app.source.path.strip() or "."
        shown = path.strip("/") or "."
        if Path(path).is_absolute():
            return RawRender.failed(f"path {shown} must be relative to the repository root")
        root = root.resolve()
        app_dir = (root / path).resolve()
        if app_dir != root and root not in app_dir.parents:
            return RawRender.failed(f"path {shown} is outside the repository")
        if app.source.chart:
            return RawRender.failed(
                f"Helm chart {app.source.chart!r} from a Helm repository: only charts kept "
                "in Git can be rendered"
            )
        if not app_dir.is_dir():
            what = "is not a directory" if app_dir.exists() else "does not exist"
            return RawRender.failed(
                f"path {shown} {what} in {app.source.repo_url or 'the repository'}"
            )
        kind = self.source_type(app, app_dir=app_dir)
        if kind is SourceType.HELM:
            return self._render_helm(
                app, root=root, app_dir=app_dir, shown=shown, revision=revision, context=context
            )
        if kind is SourceType.KUSTOMIZE:
            kubectl = self._kubectl or default_kubectl()
            return render_kustomize(
                app_dir,
                root=root,
                kubectl=kubectl,
                options=app.source.kustomize,
                on_run=self._count_kubectl,
                timeout=self._timeout,
            )
        return render_directory(
            app_dir, root=root, options=app.source.directory, env=build_env(app, revision)
        )

    def _render_helm(
        self,
        app: App,
        *,
        root: Path,
        app_dir: Path,
        shown: str,
        revision: str,
        context: RenderContext,
    ) -> RawRender:
        helm = find_helm(self._helm)
        if helm is None:
            return RawRender.failed(helm_not_found(shown), deterministic=False)
        return render_helm(
            app_dir,
            root=root,
            helm=helm,
            release_name=app.name,
            namespace=app.destination.namespace,
            options=app.source.helm,
            on_run=self._count_helm,
            timeout=self._timeout,
            capabilities=context.effective,
            refs={name: tree for name, (tree, _) in context.refs.items()},
            env=build_env(app, revision),
        )

    def _count_kubectl(self) -> None:
        with self._lock:
            self.stats.kubectl_runs += 1

    def _count_helm(self) -> None:
        with self._lock:
            self.stats.helm_runs += 1

    def _finish(self, app: App, raw: RawRender, *, revision: str) -> RenderedApp:
        if raw.error is not None:
            return RenderedApp(app=app.name, revision=revision, notes=raw.notes, error=raw.error)
        scope = self._scope.with_kinds(declared_cluster_scoped(m.body for m in raw.manifests))
        resources = tuple(
            Resource.of(
                namespaced(m.body, scope=scope, default_namespace=app.destination.namespace),
                source=m.source,
            )
            for m in raw.manifests
        )
        kept, warnings = deduplicate(resources)
        return RenderedApp(
            app=app.name,
            revision=revision,
            resources=kept,
            notes=raw.notes + warnings,
        )


def build_env(app: App, revision: str) -> dict[str, str]:
    """Argo CD's build environment for config management tools (`ARGOCD_APP_*`)."""
    return {
        "ARGOCD_APP_NAME": app.name,
        "ARGOCD_APP_NAMESPACE": app.destination.namespace,
        "ARGOCD_APP_PROJECT_NAME": app.project,
        "ARGOCD_APP_REVISION": revision,
        "ARGOCD_APP_REVISION_SHORT": revision[:7],
        "ARGOCD_APP_REVISION_SHORT_8": revision[:8],
        "ARGOCD_APP_SOURCE_PATH": app.source.path,
        "ARGOCD_APP_SOURCE_REPO_URL": app.source.repo_url,
        "ARGOCD_APP_SOURCE_TARGET_REVISION": app.source.target_revision,
    }


def _copied(value: Any) -> Any:
    """A deep copy of a parsed document (dicts, lists and scalars; anything else by
    `copy.deepcopy`), several times faster than `copy.deepcopy` for such data."""
    kind = type(value)
    if kind is dict:
        return {k: _copied(v) for k, v in value.items()}
    if kind is list:
        return [_copied(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def namespaced(body: Any, *, scope: ScopeTable, default_namespace: str) -> dict[str, Any]:
    """A copy of `body` with Argo CD's namespace rule applied."""
    out: dict[str, Any] = {k: _copied(v) for k, v in body.items()}
    meta = out.get("metadata")
    if not isinstance(meta, dict):
        meta = out["metadata"] = {}
    if scope.is_cluster_scoped(api_group(out), str(out.get("kind") or "")):
        meta.pop("namespace", None)
    elif not meta.get("namespace") and default_namespace:
        meta["namespace"] = default_namespace
    return out


def deduplicate(resources: Iterable[Resource]) -> tuple[tuple[Resource, ...], tuple[str, ...]]:
    """Argo CD's rule for an object defined more than once (same group, kind, namespace,
    name): the last definition wins, and the app gets a warning naming every place (Argo
    CD's RepeatedResourceWarning condition), not an error."""
    by_key: dict[ResourceKey, list[Resource]] = {}
    order: list[Resource | ResourceKey] = []
    for resource in resources:
        if not resource.key.name:  # generateName objects get their name at creation
            order.append(resource)
            continue
        if resource.key not in by_key:
            order.append(resource.key)
        by_key.setdefault(resource.key, []).append(resource)
    kept = tuple(item if isinstance(item, Resource) else by_key[item][-1] for item in order)
    warnings = tuple(
        f"warning: resource {key} appeared {len(found)} times among application resources "
        f"({', '.join(_where(r.source) for r in found)}); the last one is used"
        for key, found in by_key.items()
        if len(found) > 1
    )
    return kept, warnings


def _where(source: SourceLocation | None) -> str:
    return f"{source.path}:{source.line}" if source else "(unknown)"
