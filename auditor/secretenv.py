"""Secrets from the environment or from mounted files, read in one place.

`read_secret("SLACK_BOT_TOKEN")` is `$SLACK_BOT_TOKEN`, else the contents of the file that
`$SLACK_BOT_TOKEN_FILE` names (a Kubernetes or Docker secret mounted as a file), else "".
Secrets never come from the config file. Callers: the Git credentials, the forge token,
the database URL, and the service's Slack and API tokens; `config` skips these names.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from auditor.errors import ConfigError

FILE_SUFFIX = "_FILE"

# The secrets the processes read (each also as NAME_FILE). GITOPS_AUDITOR_* ones among
# them are not config keys.
SECRET_VARIABLES = (
    "GITOPS_AUDITOR_GIT_TOKEN",
    "GITOPS_AUDITOR_API_TOKEN",
    "GITOPS_AUDITOR_FORGE_TOKEN",
    "GITOPS_AUDITOR_WEBHOOK_SECRET",
    "GITOPS_AUDITOR_SESSION_KEY",
    "GITOPS_AUDITOR_GITHUB_WEBHOOK_SECRET",
    "GITOPS_AUDITOR_GITLAB_WEBHOOK_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "DATABASE_URL",
    "REDIS_URL",
)


def read_secret(name: str, *, env: Mapping[str, str] | None = None, default: str = "") -> str:
    """The secret `name` from `$name` or the file `$name_FILE`; `default` when neither is
    set. Both set, or a file that cannot be read, is a `ConfigError` naming the variable
    (never the value)."""
    env = os.environ if env is None else env
    value = env.get(name, "")
    path = env.get(name + FILE_SUFFIX, "")
    if value and path:
        raise ConfigError(f"both {name} and {name}{FILE_SUFFIX} are set: set one of them")
    if not path:
        return value or default
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"{name}{FILE_SUFFIX}: cannot read {path}: {reason}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}{FILE_SUFFIX}: {path} is not UTF-8 text") from exc
    # Files written with `echo` or an editor end with a newline that is no part of it.
    return text.rstrip("\r\n")


def secret_is_set(name: str, *, env: Mapping[str, str] | None = None) -> bool:
    """Whether `$name` or `$name_FILE` is set (without reading the file)."""
    env = os.environ if env is None else env
    return bool(env.get(name) or env.get(name + FILE_SUFFIX))


def is_secret_variable(name: str, *, extra: tuple[str, ...] = ()) -> bool:
    """Whether the environment variable `name` carries a secret (or names its file)."""
    base = name.removesuffix(FILE_SUFFIX)
    return base in SECRET_VARIABLES or base in extra


def kept_key(path: Path) -> bytes:
    """A random key kept in `path`: read, or made once (64 hex characters, readable by
    its owner only) when absent; two processes making it at once agree on the first."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_hex(32).encode())
    return path.read_bytes()
