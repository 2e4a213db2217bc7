"""`Pipeline`: the configured adapters (git sources, renderer, clusters, policies) and the
single steps (checkout, discover, render). The flows that cross stages (`audit`, `sync`,
`check`, `remediation`) are functions over a Pipeline in the sibling modules; this module
imports none of them. The service layer (`auditor.service`) composes both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from auditor.apps import ARGO_MARK, adopt_children, discover, renders_applications
from auditor.config import Config
from auditor.diff.secrets import use_key
from auditor.errors import AppNotFound, SourceError
from auditor.live import CapabilitiesReader, ClusterReader, ClusterRegistry, KubeClusterReader
from auditor.model import App, Capabilities, Discovery, RenderedApp
from auditor.pipeline.discoveries import Discoveries, carries_over, discovery_key, lineage_key
from auditor.pipeline.memos import DiffMemos
from auditor.pipeline.parallel import parallel_map
from auditor.policy import PolicyRunner, PolicySet, build_runner, load_policy_set
from auditor.process import clean_stale_scratch
from auditor.render import RenderContext, Renderer, deduplicate
from auditor.secretenv import kept_key
from auditor.sources import Checkout, Sources
from auditor.sources.worktree import content_of_changes

Progress = Callable[[str, int], None]  # (app being audited, apps in the round)


def default_cache_dir(config: Config) -> Path:
    if config.cache_dir:
        return Path(config.cache_dir).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-auditor"


MASK_KEY_ENV = "GITOPS_AUDITOR_MASK_KEY"


def mask_key(cache: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The install's key for masking Secret values: `$GITOPS_AUDITOR_MASK_KEY`, else
    `<cache>/mask.key`, made once (random, readable by its owner only) and kept, so masks
    stay the same from run to run."""
    env = os.environ if env is None else env
    if env.get(MASK_KEY_ENV):
        return env[MASK_KEY_ENV].encode()
    return kept_key(cache / "mask.key")


def find_app(discovery: Discovery, name: str) -> App:
    """The app named `name`, or `AppNotFound` listing the apps there are."""
    app = discovery.app(name)
    if app is None:
        known = ", ".join(a.name for a in discovery.apps) or "none"
        raise AppNotFound(f"no app named {name!r} (apps: {known})")
    return app


@dataclass
class Pipeline:
    """The configured adapters; build one per process (or per test)."""

    config: Config
    sources: Sources
    renderer: Renderer
    clusters: ClusterRegistry
    reader: ClusterReader
    memos: DiffMemos = field(default_factory=lambda: DiffMemos(None))
    discoveries: Discoveries = field(default_factory=lambda: Discoveries(None))
    _policy: tuple[PolicySet, PolicyRunner] | None = field(default=None, init=False, repr=False)

    def policy_runner(self) -> tuple[PolicySet, PolicyRunner]:
        """The configured policies and their runner, built once: audit rounds in one
        process share its compiled bundles, worker pool and in-memory results."""
        if self._policy is None:
            cfg = self.config.policy
            policies = load_policy_set(builtin=cfg.builtin, paths=cfg.paths, data=cfg.data)
            runner = build_runner(
                policies, config=cfg, cache_dir=default_cache_dir(self.config) / "policy"
            )
            self._policy = (policies, runner)
        return self._policy

    def close(self) -> None:
        """Stop the policy engine and its worker processes, if they were started."""
        if self._policy is not None:
            _, runner = self._policy
            runner.engine.close()
            if runner.pool is not None:
                runner.pool.close()
            self._policy = None

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        cache_dir: Path | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        reader: ClusterReader | None = None,
    ) -> Pipeline:
        """Adapters from the config; `reader` replaces the Kubernetes API reader."""
        cache = cache_dir or default_cache_dir(config)
        clean_stale_scratch()  # what a killed run left behind
        use_key(mask_key(cache))
        renderer = Renderer(
            cache_dir=cache / "renders",
            kubectl=Path(config.render.kubectl_path) if config.render.kubectl_path else None,
            helm=config.render.helm_path or None,
            timeout=config.timeouts.render_seconds,
        )
        clusters = ClusterRegistry(config=config, kubeconfig=kubeconfig, context=context)
        return cls(
            config=config,
            sources=Sources(cache_dir=cache, timeout=config.timeouts.git_seconds),
            renderer=renderer,
            clusters=clusters,
            reader=reader
            or KubeClusterReader(
                client_for=clusters.client, read_seconds=config.timeouts.cluster_read_seconds
            ),
            memos=DiffMemos(cache / "diffs"),
            discoveries=Discoveries(cache / "discovery"),
        )

    def checkout(self, repo: str | None = None, revision: str | None = None) -> Checkout:
        """The repo to read: `--repo`, else the first configured repo, else the current dir.
        A `revision` given here pins every app to it; without one, each app is read at its
        own targetRevision (see `tree_for`)."""
        if repo is None and self.config.repos:
            first = self.config.repos[0]
            found = self.sources.checkout(first.url, revision or first.revision)
        else:
            found = self.sources.checkout(repo or ".", revision)
        return replace(found, pinned=revision is not None)

    def tree_for(self, checkout: Checkout, repo_url: str, revision: str) -> Checkout:
        """The tree an app (or a git generator) reads: another repo at `revision`; this
        repo as checked out when pinned or when `revision` names it (HEAD, the working
        tree's branch, the same commit); else this repo at `revision`, from the same clone.
        Raises `SourceError` (an unknown revision, an unreachable remote)."""
        if repo_url != checkout.repo_url:
            return self.sources.checkout(repo_url, revision, refresh=False)
        if checkout.pinned or checkout.stands_for(revision):
            return checkout
        other = self.sources.at(checkout, revision)
        return checkout if other.revision == checkout.revision else other

    def follow(self, checkout: Checkout) -> None:
        """Tell the renderer how this commit differs from the last one of the repo it
        audited (a working tree: how it differs from its HEAD), so the apps a change
        does not touch are keyed without reading their files."""
        if not checkout.cacheable:
            changes = self.sources.worktree_changes(checkout)
            if changes is not None:
                self.renderer.follow_worktree(checkout.root, head=checkout.head, changed=changes)
            return
        last = self.renderer.last_revision(checkout.repo_url)
        changed = None
        if last and last != checkout.revision:
            changed = self.sources.changed_paths(
                checkout.repo_url, base=last, head=checkout.revision
            )
        self.renderer.follow(
            checkout.repo_url,
            checkout.revision,
            parent=last if changed is not None else None,
            changed=changed or (),
        )

    def discover(self, checkout: Checkout) -> Discovery:
        """Every app, project and problem of the checkout's tree; a tree discovered
        before (by content) is read back (see `discoveries.py`)."""
        tree = self._tree_identity(checkout)
        key = discovery_key(checkout, self.config, tree=tree) if tree else None
        found = self.discoveries.get(key) if key else None
        if found is not None:
            return found
        lineage = lineage_key(checkout, self.config) if checkout.cacheable else None
        if key and lineage:
            found = self._carried(checkout, lineage)
            if found is not None:
                self.discoveries.carried += 1
                self.discoveries.put(key, found, lineage=lineage)
                return found
        found, own_tree_only = self._discover(checkout)
        if key and own_tree_only:
            self.discoveries.put(key, found, lineage=lineage)
        return found

    def _carried(self, checkout: Checkout, lineage: str) -> Discovery | None:
        """The last commit's discovery, for a commit that differs from it only by edits
        of files that are no Argo CD manifest (no path added or removed: the directories
        git generators list are the same), when no generator reads a file's content."""
        parent = self.discoveries.latest(lineage)
        if parent is None or parent.revision == checkout.revision or not carries_over(parent):
            return None
        if not self.sources.edits_only(
            checkout.repo_url, base=parent.revision, head=checkout.revision, without=ARGO_MARK
        ):
            return None
        return replace(parent, revision=checkout.revision)

    def _tree_identity(self, checkout: Checkout) -> str | None:
        """What names the checkout's content: its commit, or a working tree's HEAD and
        the content of the paths where it differs; None when nothing can say."""
        if checkout.cacheable:
            return checkout.revision
        changes = self.sources.worktree_changes(checkout)
        if changes is None:
            return None
        edits = content_of_changes(checkout.root, changes)
        return f"{checkout.head}+{edits}" if edits else None

    def _discover(self, checkout: Checkout) -> tuple[Discovery, bool]:
        """The discovery, and whether it read only the checkout's own tree."""
        own = True

        def lookup(url: str, revision: str) -> Path | None:
            nonlocal own
            try:
                tree = self.tree_for(checkout, url, revision)
            except SourceError:
                own = False
                return None
            own = own and tree is checkout
            return tree.root

        found = discover(
            root=checkout.root,
            revision=checkout.revision if checkout.cacheable else checkout.head or "worktree",
            repo_url=checkout.repo_url,
            config=self.config,
            repo_lookup=lookup,
            identities=checkout.urls,
        )
        # App of apps built with Kustomize or Helm: its children exist only once rendered.
        for parent in found.apps:
            if parent.source.repo_url != checkout.repo_url:
                continue
            if not renders_applications(parent, root=checkout.root):
                continue
            own = False  # what it renders may read more than this tree
            rendered = self.render(parent, checkout)
            if rendered.error is None:
                found = adopt_children(
                    found,
                    parent=parent,
                    manifests=rendered.resources,
                    root=checkout.root,
                    repo_url=checkout.repo_url,
                    config=self.config,
                    repo_lookup=lookup,
                    identities=checkout.urls,
                )
        return found, own

    def capabilities(self, cluster: str) -> Capabilities | None:
        """What `cluster` serves (Helm's --kube-version/--api-versions), None when the
        reader cannot say or the cluster cannot be reached."""
        if isinstance(self.reader, CapabilitiesReader):
            return self.reader.capabilities(cluster)
        return None

    def render(
        self, app: App, checkout: Checkout, *, capabilities: Capabilities | None = None
    ) -> RenderedApp:
        """Desired manifests of one app (every rendered source of a multi-source app), for
        a destination with `capabilities` (None: the documented default); any failure is
        the RenderedApp's error."""
        if app.error:
            return RenderedApp(app=app.name, revision=checkout.revision, error=app.error)
        try:
            refs = {
                s.ref: self.tree_for(checkout, s.repo_url, s.target_revision)
                for s in app.sources
                if s.ref
            }
            parts = [
                (s, self.tree_for(checkout, s.repo_url, s.target_revision))
                for s in (app.sources or (app.source,))
                if s.renderable
            ]
        except SourceError as exc:
            return RenderedApp(app=app.name, revision="", error=exc.message)
        context = RenderContext(
            capabilities=capabilities,
            refs={name: (tree.root, tree.revision) for name, tree in refs.items()},
        )
        outputs = [
            self.renderer.render(
                replace(app, source=source, sources=()),
                root=tree.root,
                revision=tree.revision,
                cacheable=tree.cacheable,
                context=context,
            )
            for source, tree in parts
        ]
        return outputs[0] if len(outputs) == 1 else combined(app.name, outputs)


def capabilities_for(
    pipeline: Pipeline, checkout: Checkout, apps: Sequence[App]
) -> dict[str, Capabilities | None]:
    """The capabilities of each cluster a Helm app deploys to (as Argo CD passes them to
    `helm template`), read once per cluster (its discovery is reused by the round)."""
    clusters = sorted({a.cluster for a in apps if not a.error and may_be_helm(a, checkout)})
    found = parallel_map(pipeline.capabilities, clusters, workers=8)
    return dict(zip(clusters, found, strict=True))


def may_be_helm(app: App, checkout: Checkout) -> bool:
    """Whether rendering `app` may run helm (its options say so, or a Chart.yaml is at its
    path here; a source in another repo is assumed to)."""
    for source in app.sources or (app.source,):
        if source.helm is not None or source.chart:
            return True
        if source.repo_url != checkout.repo_url:
            return True
        if (checkout.root / source.path / "Chart.yaml").is_file():
            return True
    return False


def combined(app: str, outputs: list[RenderedApp]) -> RenderedApp:
    """A multi-source app's render: every source's objects (the last of a repeated one
    wins, with a warning), or the first source's error."""
    notes = tuple(n for o in outputs for n in o.notes)
    failed = next((o for o in outputs if o.error), None)
    if failed is not None:
        return RenderedApp(app=app, revision=failed.revision, notes=notes, error=failed.error)
    kept, warnings = deduplicate(r for o in outputs for r in o.resources)
    return RenderedApp(
        app=app, revision=outputs[0].revision, resources=kept, notes=notes + warnings
    )
