"""The configuration file `gitops-auditor.yaml`, its pydantic models and env overrides.

Everything is optional: with no file the auditor reads the repo as it is and maps the
in-cluster destination to the current kubeconfig context. `GITOPS_AUDITOR_<KEY>` (nested
keys joined by `__`, list items by their index, values parsed as YAML; `<KEY>_FILE` reads
the value from a file) overrides the file. An unknown key or a bad value is one
`ConfigError` naming the file (or variable) and the key. Secrets are not config keys
(see `auditor.secretenv`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from auditor.errors import ConfigError
from auditor.model import Mode
from auditor.secretenv import FILE_SUFFIX, is_secret_variable, read_secret

DEFAULT_FILE = "gitops-auditor.yaml"
ENV_PREFIX = "GITOPS_AUDITOR_"
# GITOPS_AUDITOR_* variables that are not config keys (besides the secrets of
# `auditor.secretenv` and the forge's `token_env`): the file's own path, Git's user and key.
RESERVED_ENV = frozenset({"CONFIG", "GIT_USERNAME", "GIT_SSH_KEY", "MASK_KEY"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RepoConfig(_Model):
    """A Git repository holding desired state."""

    url: str
    name: str = ""
    revision: str = "HEAD"
    aliases: tuple[str, ...] = ()


class ClusterConfig(_Model):
    """A cluster: its Argo CD name and server URL, and how to reach it."""

    name: str
    server: str = ""
    kubeconfig: str = ""
    context: str = ""
    labels: dict[str, str] = Field(default_factory=dict)


class AppConfig(_Model):
    """An app declared in config rather than by an Argo CD manifest."""

    name: str
    path: str
    repo: str = ""
    revision: str = "HEAD"
    cluster: str = "in-cluster"
    namespace: str = ""
    project: str = "default"
    mode: Mode = Mode.REPORT


class RemediationConfig(_Model):
    """Remediation mode: a default, then per project, then per app (most specific wins)."""

    default: Mode | None = None
    projects: dict[str, Mode] = Field(default_factory=dict)
    apps: dict[str, Mode] = Field(default_factory=dict)
    force_conflicts: bool = True  # server-side apply with force (take fields from others)
    loop_guard: LoopGuardConfig = Field(default_factory=lambda: LoopGuardConfig())
    forge: ForgeConfig | None = None  # where remediation pull requests are opened


class LoopGuardConfig(_Model):
    """Stop healing a resource healed more than `max_heals` times in `window_seconds`:
    someone's controller is fighting Git."""

    max_heals: int = Field(default=3, ge=1)
    window_seconds: float = Field(default=3600.0, gt=0)


class ForgeConfig(_Model):
    """The Git forge for remediation pull requests (GitHub or GitLab, cloud or self-hosted).

    `repo` is `owner/name` (GitHub) or `group/project` (GitLab); the token is read from
    the environment variable named by `token_env`, never from the file."""

    kind: Literal["github", "gitlab"]
    repo: str
    url: str = ""
    token_env: str = ""
    base_branch: str = "main"
    remote: str = ""  # push URL; default: the app's repo URL


class TrackingConfig(_Model):
    """How live resources are tied to apps (Argo CD's `application.instanceLabelKey` and
    `application.resourceTrackingMethod`; `auto`: as each app's live objects show it)."""

    instance_label_key: str = "app.kubernetes.io/instance"
    method: Literal["auto", "label", "annotation", "annotation+label"] = "auto"


class DiffConfig(_Model):
    """How drift is decided, for every app (apps add their own `ignoreDifferences`)."""

    ignore_differences: tuple[dict[str, Any], ...] = ()
    controller_managers: tuple[str, ...] = ()  # added to the built-in allowlist
    builtin_exceptions: bool = True  # HPA-owned replicas and injected caBundle
    server_side: bool = False  # compare with a server-side apply dry run (Argo CD's SSD)
    strict_apps: tuple[str, ...] = ()  # unmanaged changes make these apps OutOfSync


class RenderConfig(_Model):
    helm_path: str = ""
    kubectl_path: str = ""


class ApprovalRule(_Model):
    """Syncs of matching apps need a second person's approval (globs; all must match)."""

    app: str = "*"
    project: str = "*"
    cluster: str = "*"


class RbacConfig(_Model):
    """Who may do what, in Argo CD's RBAC CSV (`p, ...` grants, `g, ...` role bindings;
    subjects like `slack:U123`, `slack-group:S1`, `slack-channel:C1`, `user:alice`,
    `token:ci`), every subject's default role, and the syncs that need an approver."""

    policy: str = ""
    policy_default: str = "role:readonly"
    approvals: tuple[ApprovalRule, ...] = ()


class ServiceConfig(_Model):
    """The background service: what it audits, how often it looks, and its bounds."""

    repo: str = ""  # default: the first of `repos`, else the current directory
    revision: str = ""  # default: that repo's configured revision

    audit_interval: int = Field(default=180, ge=5)  # seconds between full rounds
    git_poll_interval: int = Field(default=60, ge=5)  # seconds between `ls-remote` polls
    watch_debounce: float = Field(default=2.0, ge=0)  # seconds a watched change settles
    watch_timeout: int = Field(default=300, ge=5)  # seconds one watch request stays open
    sync_lease: int = Field(default=120, ge=2)  # seconds a crashed worker can hold a sync
    job_timeout: int = Field(default=900, ge=10)  # seconds before a job is killed
    retention_cron: str = "17 3 * * *"  # daily clean-up of old runs and events


class StoreConfig(_Model):
    keep_days: int = Field(default=30, ge=1)  # runs, resolved findings, events; not the log


class PolicyConfig(_Model):
    """Policies: the engine (embedded regopy, or an OPA server), extra policy directories,
    `data` documents for data-driven policies, and whether the built-in library runs."""

    engine: Literal["regopy", "opa"] = "regopy"
    opa_url: str = ""
    opa_token: str = ""
    paths: tuple[str, ...] = ()  # relative to the config file's directory
    data: dict[str, Any] = Field(default_factory=dict)
    builtin: bool = True
    # Embedded engine: policies run in sandbox processes (no environment) with this much
    # address space each (MiB, 0: no limit); a rule past it is an error on its resources.
    memory_mb: int = Field(default=1024, ge=0)


class TimeoutsConfig(_Model):
    """Total deadlines of every outside call, in seconds: a stalled server, remote or tool
    fails its own app or cluster in time and never holds up the others."""

    request_seconds: float = Field(default=30.0, gt=0)  # one API request, whole answer
    cluster_read_seconds: float = Field(default=300.0, gt=0)  # one cluster's whole read
    read_retries: int = Field(default=2, ge=0)  # API reads, on 429, 5xx and timeouts
    git_seconds: float = Field(default=300.0, gt=0)  # one fetch, ls-remote, clone or push
    forge_seconds: float = Field(default=60.0, gt=0)  # one GitHub or GitLab API call
    render_seconds: float = Field(default=120.0, gt=0)  # one helm or kustomize run


class LogConfig(_Model):
    """Logs: `text` for people or `json` (one object a line) for log collectors, and the
    level (empty: the process's default; the CLI's is WARNING, DEBUG with --debug)."""

    format: Literal["text", "json"] = "text"
    level: Literal["", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = ""

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SlackSubscription(_Model):
    """Events of matching apps (globs) go to `channel` (a name or an ID)."""

    channel: str
    triggers: tuple[str, ...] = (
        "drift-detected",
        "drift-resolved",
        "app-unknown",
        "sync-failed",
        "policy-violation-new",
        "auto-heal-blocked",
        "drift-still-open",
    )
    app: str = "*"
    project: str = "*"
    cluster: str = "*"
    digest: bool = False  # one summary a day (`notifications.digest_cron`) instead


class WebConfig(_Model):
    """The dashboard's and the API's sign-in: bearer tokens always; with `trusted_proxies`
    (CIDRs), also the user and groups an auth proxy (oauth2-proxy) sends from those."""

    trusted_proxies: tuple[str, ...] = ()
    user_header: str = "X-Forwarded-User"
    email_header: str = "X-Forwarded-Email"  # the user when the user header is absent
    groups_header: str = "X-Forwarded-Groups"  # comma-separated; subjects `group:<g>`
    secure_cookies: bool = True  # browsers keep Secure cookies on http://localhost too
    session_hours: float = Field(default=12.0, gt=0)
    public_url: str = ""  # the dashboard's address, for links in Slack messages

    def app_url(self, app: str) -> str:
        """The dashboard page of `app` ("" without `public_url`)."""
        if not self.public_url:
            return ""
        return f"{self.public_url.rstrip('/')}/apps/{quote(app, safe='')}"


class WebhookSubscription(_Model):
    """Events of matching apps POSTed as JSON to `url`, signed with HMAC-SHA256 of the
    body under the secret in the environment variable `secret_env`."""

    name: str  # keys its delivery cursor: keep it when the URL changes
    url: str
    secret_env: str = "GITOPS_AUDITOR_WEBHOOK_SECRET"
    triggers: tuple[str, ...] = ()  # empty: every event
    app: str = "*"
    project: str = "*"
    cluster: str = "*"


class NotificationsConfig(_Model):
    """Where events are sent: Slack channels by app, project and cluster (Argo CD's
    `notifications.argoproj.io/subscribe.<trigger>.slack` annotations are read too)."""

    slack: tuple[SlackSubscription, ...] = ()
    webhooks: tuple[WebhookSubscription, ...] = ()
    # A GitHub commit status per app (context `gitops-auditor/<app>`) on the commit it is
    # at, through `remediation.forge` (GitHub).
    commit_status: bool = False
    # Remind of drift still open after these ages (seconds; checked every 5 minutes).
    reminders: tuple[int, ...] = (3600, 86400)
    digest_cron: str = "0 9 * * *"  # when digest channels get their daily summary (UTC)


class Config(_Model):
    """The whole configuration; every section is optional."""

    repos: tuple[RepoConfig, ...] = ()
    clusters: tuple[ClusterConfig, ...] = ()
    apps: tuple[AppConfig, ...] = ()
    remediation: RemediationConfig = Field(default_factory=RemediationConfig)
    tracking: TrackingConfig = Field(default_factory=TrackingConfig)
    render: RenderConfig = Field(default_factory=RenderConfig)
    diff: DiffConfig = Field(default_factory=DiffConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    rbac: RbacConfig = Field(default_factory=RbacConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    timeouts: TimeoutsConfig = Field(default_factory=TimeoutsConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    cache_dir: str = ""
    log: LogConfig = Field(default_factory=LogConfig)

    def cluster(self, name: str) -> ClusterConfig | None:
        return next((c for c in self.clusters if c.name == name), None)

    def cluster_by_server(self, server: str) -> ClusterConfig | None:
        wanted = server.rstrip("/")
        return next((c for c in self.clusters if c.server.rstrip("/") == wanted), None)


def load_config(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (explicit, `$GITOPS_AUDITOR_CONFIG`, or ./gitops-auditor.yaml
    when present) and apply env overrides."""
    env = os.environ if env is None else env
    explicit = path or env.get(ENV_PREFIX + "CONFIG")
    file = Path(explicit) if explicit else Path(DEFAULT_FILE)
    data: dict[str, Any] = {}
    if explicit and not file.is_file():
        raise ConfigError(f"config file {file} not found")
    if file.is_file():
        data = _read_yaml(file)
    origin = str(file) if file.is_file() else "defaults"
    try:
        base = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin=origin)) from exc
    forge = base.remediation.forge
    overrides = _env_overrides(env, token_env=forge.token_env if forge else "")
    if overrides:
        merged = _merge(base.model_dump(mode="json"), overrides, key="")
        try:
            base = Config.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(_describe(exc, origin="environment (GITOPS_AUDITOR_*)")) from exc
    return _relative_to(base, file.resolve().parent) if file.is_file() else base


def _relative_to(config: Config, directory: Path) -> Config:
    """Policy paths of a config file are relative to the file's directory, never to
    wherever the command happens to run."""
    paths = tuple(str(directory / Path(p).expanduser()) for p in config.policy.paths)
    policy = config.policy.model_copy(update={"paths": paths})
    return config.model_copy(update={"policy": policy})


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(f"invalid YAML: {exc.problem}", path=str(file), line=line) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {file}: {exc.strerror}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            "the config must be a mapping of keys, not a list or a value", path=str(file)
        )
    return data


def _env_overrides(env: Mapping[str, str], *, token_env: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in RESERVED_ENV:
            continue
        if is_secret_variable(name, extra=(token_env,) if token_env else ()):
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k]
        if keys[0] not in Config.model_fields:
            raise ConfigError(f"environment variable {name}: unknown config key {keys[0]!r}")
        value: Any
        if name.endswith(FILE_SUFFIX) and len(keys[-1]) > len(FILE_SUFFIX):
            # GITOPS_AUDITOR_POLICY__OPA_TOKEN_FILE=/run/secrets/opa: the file's text.
            keys[-1] = keys[-1][: -len(FILE_SUFFIX)]
            value = read_secret(name.removesuffix(FILE_SUFFIX), env=env)
        else:
            try:
                value = yaml.safe_load(raw) if raw.strip() else ""
            except yaml.YAMLError:
                value = raw
        node = out
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return out


def _merge(base: Any, over: Any, *, key: str) -> Any:
    """`over` merged into `base`: maps key by key, lists item by index (`CLUSTERS__0__...`
    changes the first cluster; the next free index adds one), anything else replaced."""
    if not isinstance(over, Mapping):
        return over
    if isinstance(base, dict):
        merged = dict(base)
        for k, value in over.items():
            merged[k] = _merge(merged.get(k), value, key=f"{key}.{k}" if key else k)
        return merged
    if isinstance(base, list) and over and all(str(k).isdigit() for k in over):
        items = list(base)
        for k, value in sorted(over.items(), key=lambda kv: int(kv[0])):
            index = int(k)
            if index > len(items):
                raise ConfigError(
                    f"environment (GITOPS_AUDITOR_*): {key}.{index}: no such item "
                    f"({key} has {len(items)}; index {len(items)} adds one)"
                )
            if index == len(items):
                items.append(_merge(None, value, key=f"{key}.{index}"))
            else:
                items[index] = _merge(items[index], value, key=f"{key}.{index}")
        return items
    return {k: _merge(None, v, key=f"{key}.{k}") for k, v in over.items()}


def _describe(exc: ValidationError, *, origin: str) -> str:
    errors = exc.errors()
    first = errors[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        what = "unknown key"
    else:
        what = first["msg"]
        if "input" in first and not isinstance(first["input"], dict | list):
            what += f" (got {first['input']!r})"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{origin}: {key}: {what}{more}"
