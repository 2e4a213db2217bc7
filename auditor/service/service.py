"""`Service`: the application-service layer. Built once per process over one Pipeline and
one Store, it offers the use cases on plain values (audit apps, diff an app, sync an app,
check a change) that the CLI, the RQ jobs and the bot all call. The Pipeline (with its
cluster reader) and the store are injected; by default the store is opened from the
config on first use.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from functools import cached_property
from typing import TYPE_CHECKING, TypedDict

from auditor import store as stores
from auditor.config import Config
from auditor.forge import Forge
from auditor.model import (
    AdoptResult,
    App,
    AppReport,
    AuditReport,
    Discovery,
    DiscoveryFailure,
    Remediation,
    RenderedApp,
    SyncResult,
    SyncStatus,
)
from auditor.pipeline import Pipeline, Progress, default_cache_dir, find_app
from auditor.pipeline.audit import audit, unknown
from auditor.pipeline.check import check, rule_docs
from auditor.pipeline.remediation import remediate
from auditor.pipeline.sync import SyncRequest, adopt, sync
from auditor.report.policy.model import CheckReport, RuleDoc
from auditor.service.notify import Delivery, Notifier, deliver
from auditor.service.rbac import Policy
from auditor.sources import Checkout

if TYPE_CHECKING:
    from auditor.store import Store

WORKSPACES_KEPT = 8  # revisions whose read is kept for reuse (`Service.workspace`)


class Target(TypedDict):
    """Which repo and revision a use case reads, as the CLI, jobs and bot name them:
    `repo` a path or URL (None: the first configured repo, else the current directory),
    `revision` a branch, tag or SHA (None: a local path's working tree, a remote's
    configured revision)."""

    repo: str | None
    revision: str | None


@dataclass(frozen=True)
class Workspace:
    """One revision of a repo as the service reads it: the tree and the apps it declares."""

    checkout: Checkout
    discovery: Discovery

    def app(self, name: str) -> App:
        """The app named `name` (raises `AppNotFound`, listing the known ones)."""
        return find_app(self.discovery, name)


@dataclass(frozen=True)
class AuditResult:
    """An audit and the workspace it ran on (discovery problems are reported with it)."""

    workspace: Workspace
    report: AuditReport


def failure_report(failure: DiscoveryFailure, *, revision: str) -> AppReport:
    """An Unknown entry for an ApplicationSet that failed to generate (or a manifest file
    that failed to parse): the apps it declares cannot be audited."""
    where = failure.origin.path if failure.origin else ""
    name = f"{failure.name} ({failure.kind})" if failure.kind != "file" else failure.name
    return unknown(
        AppReport(name=name, project="", cluster="", namespace="", path=where,
                  revision=revision, sync=SyncStatus.UNKNOWN),
        f"{failure.kind} {failure.name} declares no apps: {failure.message}",
    )  # fmt: skip


class Service:
    """The use cases over one Pipeline and one Store; build one per process."""

    def __init__(
        self,
        *,
        pipeline: Pipeline,
        store: Store | None = None,
        store_factory: Callable[[], Store] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self._store = store
        self._store_factory = store_factory or (
            lambda: stores.open_store(cache_dir=default_cache_dir(pipeline.config))
        )
        self._lock = threading.Lock()
        self.notifiers: list[Notifier] = []
        self._spaces: OrderedDict[tuple[str | None, str | None], tuple[float, Workspace]] = (
            OrderedDict()
        )
        self._spaces_lock = threading.Lock()

    @property
    def config(self) -> Config:
        return self.pipeline.config

    @property
    def target(self) -> Target:
        """The repo and revision the background service audits (`service.repo` and
        `service.revision`, else the first configured repo at its revision, else `.`)."""
        cfg = self.config.service
        first = self.config.repos[0] if self.config.repos else None
        repo = cfg.repo or (first.url if first else ".")
        revision = cfg.revision or (first.revision if first and first.url == repo else None)
        return Target(repo=repo, revision=revision or None)

    @cached_property
    def rbac(self) -> Policy:
        """The RBAC policy of the config (Argo CD's CSV format)."""
        cfg = self.config.rbac
        return Policy.parse(cfg.policy, default_role=cfg.policy_default)

    @cached_property
    def rule_docs(self) -> dict[str, RuleDoc]:
        """Each configured policy's title and description (the dashboard shows them)."""
        from auditor.policy import load_policy_set

        cfg = self.config.policy
        return rule_docs(load_policy_set(builtin=cfg.builtin, paths=cfg.paths, data=cfg.data))

    def needs_approval(self, app: App) -> bool:
        """Whether syncs of `app` need a second person (`rbac.approvals`)."""
        return self.approval_required(app=app.name, project=app.project, cluster=app.cluster)

    def approval_required(self, *, app: str, project: str, cluster: str) -> bool:
        """`needs_approval` by the app's name, project and cluster (as the store has them)."""
        return any(
            fnmatchcase(app, rule.app)
            and fnmatchcase(project, rule.project)
            and fnmatchcase(cluster, rule.cluster)
            for rule in self.config.rbac.approvals
        )

    @property
    def store(self) -> Store:
        """The store, opened on first use (a dry run or a plain audit never creates it)."""
        with self._lock:
            if self._store is None:
                self._store = self._store_factory()
            return self._store

    def deliver(self) -> Delivery:
        """Send new events to the configured notifiers (see `notify.deliver`). With no
        notifier configured there is nothing to send."""
        return deliver(self)

    def close(self) -> None:
        """Stop the policy workers; the service can be dropped afterwards."""
        self.pipeline.close()

    # ---- reading -------------------------------------------------------------------
    def workspace(
        self, *, repo: str | None = None, revision: str | None = None, max_age: float = 0.0
    ) -> Workspace:
        """The repo at `revision` (default: the first configured repo, else the current
        directory; a local path without a revision is its working tree) and its apps.

        With `max_age`, a workspace of the same repo and revision read (fetched and
        discovered) less than `max_age` seconds ago is reused: the service's single-app
        audits share one read of the repo between Git polls instead of fetching and
        discovering every app for each. A working tree is never reused (it changes under
        us); a commit is read again once its entry is older than `max_age`, since the apps
        it declares may read other repos' moving branches."""
        key = (repo, revision)
        if max_age > 0:
            with self._spaces_lock:
                cached = self._spaces.get(key)
                if cached and time.monotonic() - cached[0] < max_age:
                    self._spaces.move_to_end(key)
                    return cached[1]
        checkout = self.pipeline.checkout(repo, revision)
        space = Workspace(checkout=checkout, discovery=self.pipeline.discover(checkout))
        if checkout.cacheable:
            with self._spaces_lock:
                self._spaces[key] = (time.monotonic(), space)
                self._spaces.move_to_end(key)
                while len(self._spaces) > WORKSPACES_KEPT:
                    self._spaces.popitem(last=False)
        return space

    def render(
        self, app: str, *, repo: str | None = None, revision: str | None = None
    ) -> RenderedApp:
        space = self.workspace(repo=repo, revision=revision)
        return self.pipeline.render(space.app(app), space.checkout)

    # ---- audits --------------------------------------------------------------------
    def audit(
        self,
        *,
        repo: str | None = None,
        revision: str | None = None,
        apps: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> AuditResult:
        """Every app (or the named ones) compared with its cluster."""
        space = self.workspace(repo=repo, revision=revision)
        chosen = [space.app(n) for n in apps] or list(space.discovery.apps)
        report = audit(
            self.pipeline,
            space.checkout,
            chosen,
            progress=progress,
            projects=space.discovery.projects,
        )
        if not apps:  # what could not even declare its apps is Unknown, never left out
            failed = tuple(failure_report(f, revision=report.revision)
                           for f in space.discovery.failures)  # fmt: skip
            report = replace(report, apps=(*report.apps, *failed))
        return AuditResult(workspace=space, report=report)

    def remediate(self, run: AuditResult, *, heal: bool, pr: bool) -> Remediation:
        """After an audit: heal the drifted apps in `heal` mode (remembered in the store
        for the loop guard), open adopt PRs for those in `pr` mode."""
        if not heal and not pr:
            return Remediation()
        return remediate(
            self.pipeline,
            run.workspace.checkout,
            run.workspace.discovery,
            run.report,
            heal=heal,
            pr=pr,
            store=self.store if heal else None,
        )

    # ---- changes to clusters and Git -----------------------------------------------
    def sync(
        self,
        app: str,
        *,
        repo: str | None = None,
        revision: str | None = None,
        prune: bool = False,
        dry_run: bool = False,
    ) -> SyncResult:
        """A manual sync of one app (sync windows with `manualSync` let it through; the
        loop guard does not apply). A real sync is remembered in the store."""
        space = self.workspace(repo=repo, revision=revision)
        return sync(
            self.pipeline,
            space.checkout,
            space.app(app),
            request=SyncRequest(prune=prune, dry_run=dry_run, manual=True),
            projects=space.discovery.projects,
            store=None if dry_run else self.store,
            neighbours=space.discovery.apps,
        )

    def adopt(
        self,
        app: str,
        *,
        remote: str,
        repo: str | None = None,
        revision: str | None = None,
        base_branch: str = "main",
        forge: Forge | None = None,
    ) -> AdoptResult:
        """Propose one app's live changes to Git as a pull request (live wins)."""
        space = self.workspace(repo=repo, revision=revision)
        return adopt(
            self.pipeline,
            space.checkout,
            space.app(app),
            remote=remote,
            base_branch=base_branch,
            forge=forge,
        )

    # ---- the policy gate -----------------------------------------------------------
    def check(
        self,
        *,
        repo: str | None = None,
        base: str | None = None,
        head: str | None = None,
        policy_dirs: Sequence[str] = (),
        unrendered: str = "error",
    ) -> CheckReport:
        """Policies on the desired state of the apps `base..head` affects (every app of
        the working tree without `base`); apps that could not be generated or rendered
        count as `unrendered` (error, or warn)."""
        return check(
            self.pipeline,
            repo=repo,
            base=base,
            head=head,
            policy_dirs=policy_dirs,
            unrendered=unrendered,
        )
