"""The configuration file `gitops-auditor.yaml`, its pydantic models and env overrides.

Everything is optional: with no file the auditor reads the repo as it is and maps the
in-cluster destination to the current kubeconfig context. `GITOPS_AUDITOR_<KEY>` (nested
keys joined by `__`, values parsed as YAML) overrides the file. An unknown key or a bad
value is one `ConfigError` naming the file (or variable) and the key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.errors import ConfigError
from auditor.model import Mode

DEFAULT_FILE = "gitops-auditor.yaml"
ENV_PREFIX = "GITOPS_AUDITOR_"
# GITOPS_AUDITOR_* variables that are not config keys (credentials, the file's own path).
RESERVED_ENV = frozenset({"CONFIG", "GIT_TOKEN", "GIT_USERNAME", "GIT_SSH_KEY"})


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


class PolicyConfig(_Model):
    """Policies: the engine (embedded regopy, or an OPA server), extra policy directories,
    `data` documents for data-driven policies, and whether the built-in library runs."""

    engine: Literal["regopy", "opa"] = "regopy"
    opa_url: str = ""
    opa_token: str = ""
    paths: tuple[str, ...] = ()
    data: dict[str, Any] = Field(default_factory=dict)
    builtin: bool = True


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
    cache_dir: str = ""

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
    overrides = _env_overrides(env)
    try:
        base = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin=origin)) from exc
    if not overrides:
        return base
    merged = _deep_merge(base.model_dump(mode="json"), overrides)
    try:
        return Config.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin="environment (GITOPS_AUDITOR_*)")) from exc


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


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, raw in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or name[len(ENV_PREFIX) :] in RESERVED_ENV:
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__") if k]
        if keys[0] not in Config.model_fields:
            raise ConfigError(f"environment variable {name}: unknown config key {keys[0]!r}")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = out
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return out


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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
