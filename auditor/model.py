"""Typed, frozen values exchanged between the pipeline's stages.

`ResourceKey` is the one identity of a Kubernetes object across Git and clusters (group,
kind, namespace, name: Argo CD's), `Resource` a manifest with its key and where it came
from, `App` an application discovered in a repo, `RenderedApp` its desired state.
Raw Kubernetes objects stay `Mapping[str, Any]` inside stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

IN_CLUSTER_SERVER = "https://kubernetes.default.svc"
IN_CLUSTER_NAME = "in-cluster"


@dataclass(frozen=True, order=True)
class ResourceKey:
    """The identity of a resource: API group (empty for core), kind, namespace, name."""

    group: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ResourceKey:
        api_version = str(obj.get("apiVersion") or "")
        group = api_version.rpartition("/")[0]
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        return cls(
            group=group,
            kind=str(obj.get("kind") or ""),
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
        )

    def __str__(self) -> str:
        gk = f"{self.kind}.{self.group}" if self.group else self.kind
        return f"{gk} {self.namespace}/{self.name}" if self.namespace else f"{gk} {self.name}"


@dataclass(frozen=True)
class SourceLocation:
    """Where a manifest was read: a path relative to the repository root and a 1-based line."""

    path: str
    line: int = 1


@dataclass(frozen=True)
class Resource:
    """One desired or live Kubernetes object."""

    key: ResourceKey
    api_version: str
    body: Mapping[str, Any]
    source: SourceLocation | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any], *, source: SourceLocation | None = None) -> Resource:
        return cls(
            key=ResourceKey.of(body),
            api_version=str(body.get("apiVersion") or ""),
            body=body,
            source=source,
        )


class SourceType(StrEnum):
    DIRECTORY = "Directory"
    KUSTOMIZE = "Kustomize"
    HELM = "Helm"


class Mode(StrEnum):
    """What the auditor does about drift of an app (DESIGN.md section 2)."""

    REPORT = "report"
    HEAL = "heal"
    PR = "pr"


@dataclass(frozen=True)
class JsonnetOptions:
    """Argo CD's `source.directory.jsonnet`: external variables and top-level arguments as
    (name, value, code) triples (`code`: the value is Jsonnet, not a string), and library
    paths relative to the repository root."""

    ext_vars: tuple[tuple[str, str, bool], ...] = ()
    tlas: tuple[tuple[str, str, bool], ...] = ()
    libs: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryOptions:
    """Argo CD's `source.directory`: recursion, include/exclude globs, Jsonnet options."""

    recurse: bool = False
    include: str = ""
    exclude: str = ""
    jsonnet: JsonnetOptions | None = None


@dataclass(frozen=True)
class KustomizeOptions:
    """Argo CD's `source.kustomize` overrides applied on top of the kustomization."""

    images: tuple[str, ...] = ()
    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str = ""
    common_labels: tuple[tuple[str, str], ...] = ()
    common_annotations: tuple[tuple[str, str], ...] = ()
    patches: tuple[Mapping[str, Any], ...] = ()
    replicas: tuple[tuple[str, int | str], ...] = ()
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelmOptions:
    """Argo CD's `source.helm`: values files, inline values and `--set` parameters."""

    release_name: str = ""
    value_files: tuple[str, ...] = ()
    values: str = ""
    parameters: tuple[tuple[str, str], ...] = ()
    skip_crds: bool = False


@dataclass(frozen=True)
class AppSource:
    """Where an app's desired state lives: a repo, a revision and a path inside it.
    `ref` names the source for `$ref/...` Helm value files of a multi-source app."""

    repo_url: str
    path: str
    target_revision: str = "HEAD"
    directory: DirectoryOptions | None = None
    kustomize: KustomizeOptions | None = None
    helm: HelmOptions | None = None
    chart: str = ""
    ref: str = ""

    @property
    def renderable(self) -> bool:
        """A source with a path or a chart is rendered; one with only a `ref` is not."""
        return bool(self.path) or bool(self.chart)


@dataclass(frozen=True)
class Destination:
    """Argo CD's destination: a cluster (by server URL or name) and a namespace."""

    server: str = ""
    name: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class Retry:
    limit: int = 5
    duration_seconds: float = 5.0
    factor: float = 2.0
    max_duration_seconds: float = 180.0


@dataclass(frozen=True)
class SyncPolicy:
    """Argo CD's `syncPolicy`, the parts the auditor acts on."""

    automated: bool = False
    prune: bool = False
    self_heal: bool = False
    allow_empty: bool = False
    sync_options: tuple[str, ...] = ()
    retry: Retry | None = None

    def option(self, name: str) -> str | None:
        """The value of a `Name=value` sync option, or None when it is not set."""
        return sync_option(self.sync_options, name)


def sync_option(options: Sequence[str], name: str) -> str | None:
    """The value of the `Name=value` entry of Argo CD sync options, or None when absent."""
    for opt in options:
        key, _, value = opt.partition("=")
        if key.strip() == name:
            return value.strip()
    return None


@dataclass(frozen=True)
class App:
    """An application discovered in a repo (or added by config).

    `origin` names the file (and generator) that declared it; `error` is set when the app
    was found but cannot be used as declared (it is still listed). A multi-source app
    (`spec.sources`) lists every source in `sources`; `source` is its first rendered one.
    """

    name: str
    project: str
    source: AppSource
    destination: Destination
    cluster: str
    origin: SourceLocation | None = None
    sources: tuple[AppSource, ...] = ()
    generated_by: str = ""
    sync_policy: SyncPolicy = field(default_factory=SyncPolicy)
    ignore_differences: tuple[Mapping[str, Any], ...] = ()
    mode: Mode = Mode.REPORT
    labels: tuple[tuple[str, str], ...] = ()
    parent: str = ""
    manifest: Mapping[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class Project:
    """An Argo CD AppProject found in the repo. `namespace_resource_whitelist` is None
    when the project sets none (every namespaced kind is permitted), as in Argo CD."""

    name: str
    source_repos: tuple[str, ...] = ()
    destinations: tuple[Mapping[str, Any], ...] = ()
    sync_windows: tuple[Mapping[str, Any], ...] = ()
    cluster_resource_whitelist: tuple[Mapping[str, Any], ...] = ()
    origin: SourceLocation | None = None
    manifest: Mapping[str, Any] | None = None
    cluster_resource_blacklist: tuple[Mapping[str, Any], ...] = ()
    namespace_resource_whitelist: tuple[Mapping[str, Any], ...] | None = None
    namespace_resource_blacklist: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class DiscoveryFailure:
    """Something that should have declared apps and could not: an ApplicationSet that
    failed to generate, a manifest file that failed to parse. An audit reports each as
    Unknown, as `check` does, so the apps it hides are never silently missing."""

    name: str  # the ApplicationSet's name, or the file's path
    kind: str  # ApplicationSet, file
    message: str
    origin: SourceLocation | None = None


@dataclass(frozen=True)
class Discovery:
    """Everything found in one revision of a repo: apps, projects and per-file problems.

    `declared` holds every Argo CD object (Application, ApplicationSet, AppProject) read
    from the repo's files, with its file and line: the gate's input for the Argo CD
    objects themselves."""

    revision: str
    apps: tuple[App, ...]
    projects: tuple[Project, ...] = ()
    problems: tuple[str, ...] = ()
    declared: tuple[Resource, ...] = ()
    failures: tuple[DiscoveryFailure, ...] = ()

    def app(self, name: str) -> App | None:
        return next((a for a in self.apps if a.name == name), None)


@dataclass(frozen=True)
class Capabilities:
    """What a destination cluster serves, as Argo CD passes it to Helm: its Kubernetes
    version (`1.31.2`) and API versions (`apps/v1`, `apps/v1/Deployment`, ...)."""

    kube_version: str
    api_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedApp:
    """The desired state of one app at one revision, or why it could not be produced."""

    app: str
    revision: str
    resources: tuple[Resource, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None


class SyncStatus(StrEnum):
    """An app's comparison result (Argo CD's vocabulary)."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"


class ResourceStatus(StrEnum):
    """One resource's comparison result: `Missing` is in Git only, `Extra` live only."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    MISSING = "Missing"
    EXTRA = "Extra"


@dataclass(frozen=True)
class FieldChange:
    """Drift of one field: Git wants `desired`, the cluster has `live` (None = absent).

    `path` reads like `spec.template.spec.containers[name=web].image`; `manager` and `time`
    come from the live object's managedFields (who wrote the live value, and when).
    """

    path: str
    desired: Any
    live: Any
    manager: str = ""
    time: str = ""


@dataclass(frozen=True)
class UnmanagedChange:
    """A field Git does not mention, written live by a manager not on the controller
    allowlist (someone's `kubectl edit`); reported, not drift unless the app is strict."""

    path: str
    live: Any
    manager: str
    time: str = ""


class HealthStatus(StrEnum):
    """Argo CD's health vocabulary, from most to least healthy (as Argo CD orders it)."""

    HEALTHY = "Healthy"
    SUSPENDED = "Suspended"
    PROGRESSING = "Progressing"
    MISSING = "Missing"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Health:
    """Argo CD's health assessment of a resource or an app: a status and its message."""

    status: HealthStatus
    message: str = ""


@dataclass(frozen=True)
class ResourceDrift:
    """The comparison of one resource between Git and a cluster. `health` is Argo CD's
    assessment of the live object (Missing when it is not live), None for kinds Argo CD
    has no built-in health check for."""

    key: ResourceKey
    version: str
    status: ResourceStatus
    changes: tuple[FieldChange, ...] = ()
    unmanaged: tuple[UnmanagedChange, ...] = ()
    diff: str = ""
    health: Health | None = None
    shared_with: tuple[str, ...] = ()  # other apps that declare it (SharedResourceWarning)

    @property
    def requires_pruning(self) -> bool:
        return self.status == ResourceStatus.EXTRA and not self.shared_with


@dataclass(frozen=True)
class Violation:
    """A policy result: `deny` fails the gate, `warn` does not. `resource` is None for an
    app-level result; `waived` results are reported but never fail anything."""

    policy: str
    severity: str
    message: str
    resource: ResourceKey | None = None
    app: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    source: SourceLocation | None = None
    waived: bool = False
    waiver_reason: str = ""


@dataclass(frozen=True)
class AppReport:
    """The audit of one app: its sync status, health, per-resource drift and policy
    results. `health` is Argo CD's aggregate of its resources' health (Unknown when the
    app could not be compared; None only on reports built without a comparison)."""

    name: str
    project: str
    cluster: str
    namespace: str
    path: str
    revision: str
    sync: SyncStatus
    error: str | None = None
    resources: tuple[ResourceDrift, ...] = ()
    violations: tuple[Violation, ...] = ()
    notes: tuple[str, ...] = ()
    health: Health | None = None


@dataclass(frozen=True)
class AuditStats:
    """What an audit round cost: API requests per cluster, renders, resource comparisons
    (and those reused: nothing changed since the last), wall time (and per stage:
    render, read, diff, policy), and the clusters that could not be read."""

    requests: Mapping[str, int] = field(default_factory=dict)
    renders: int = 0
    render_cache_hits: int = 0
    diffs: int = 0
    diffs_reused: int = 0
    seconds: float = 0.0
    stages: Mapping[str, float] = field(default_factory=dict)
    cluster_errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditReport:
    """One audit round over some apps at one revision (DESIGN.md section 5)."""

    revision: str
    generated_at: str
    apps: tuple[AppReport, ...]
    stats: AuditStats = field(default_factory=AuditStats)


class ActionKind(StrEnum):
    """What a sync did (or, in a dry run, would do) to one object."""

    APPLIED = "applied"
    PRUNED = "pruned"
    SKIPPED = "skipped"
    FAILED = "failed"
    HOOK = "hook"  # a resource hook ran and completed


@dataclass(frozen=True)
class ObjectAction:
    """One object's outcome in a sync: the action, why, and the fields it changes.

    `manager` names the field manager a loop-guarded resource fights; `attempts` counts
    requests sent (retries included); `wave` and `phase` are the Argo CD sync wave and
    phase (PreSync, Sync, PostSync, SyncFail) it ran in."""

    key: ResourceKey
    action: ActionKind
    reason: str = ""
    changes: tuple[FieldChange, ...] = ()
    wave: int = 0
    attempts: int = 0
    manager: str = ""
    phase: str = "Sync"


@dataclass(frozen=True)
class SyncResult:
    """A sync (heal) of one app: what was planned or done, and the app's status after.

    `blocked_by` says why nothing ran (a sync window, `allowEmpty`, an Unknown app);
    `sync` is the app's status from the audit after the sync (before, in a dry run)."""

    app: str
    cluster: str
    dry_run: bool
    sync: SyncStatus
    actions: tuple[ObjectAction, ...] = ()
    blocked_by: str | None = None
    error: str | None = None
    prune: bool = False

    @property
    def done(self) -> bool:
        """Everything planned happened and the app is Synced."""
        if self.blocked_by or self.error:
            return False
        if any(a.action == ActionKind.FAILED for a in self.actions):
            return False
        return self.dry_run or self.sync == SyncStatus.SYNCED


@dataclass(frozen=True)
class AdoptResult:
    """A remediation pull request: live values of drifted fields written back to Git.

    `created` is False when an open PR for the same branch was updated instead."""

    app: str
    branch: str
    fingerprint: str
    files: tuple[str, ...] = ()
    pr_url: str = ""
    pr_number: int = 0
    created: bool = False
    skipped: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Remediation:
    """What happened after an audit to its drifted apps: heals (automatic syncs) of the
    apps in `heal` mode and adopt PRs of those in `pr` mode."""

    syncs: tuple[SyncResult, ...] = ()
    adopts: tuple[AdoptResult, ...] = ()
