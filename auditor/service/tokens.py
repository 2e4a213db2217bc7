"""API bearer tokens: made here, shown once, stored only as their SHA-256. A token acts as
an RBAC subject (`token:<name>`) with one role (`role:readonly`, `role:ops`, ...), the same
roles Slack users and web users get: one RBAC model for every face."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from auditor.errors import ConfigError
from auditor.store import Store
from auditor.store.records import ApiToken

PREFIX = "gat_"  # recognisable in a leaked-secret scan
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(store: Store, *, name: str, role: str) -> str:
    """A new token named `name` acting as `role`; returns the token (never stored)."""
    if not _NAME.match(name):
        raise ConfigError(f"token name {name!r}: letters, digits, `_.-`, at most 63")
    if not role.startswith("role:"):
        raise ConfigError(f"token role {role!r}: an RBAC role such as role:readonly")
    token = PREFIX + secrets.token_urlsafe(32)
    if not store.add_token(name=name, role=role, token_hash=hash_token(token), at=now()):
        raise ConfigError(f"a token named {name!r} exists: revoke it or pick another name")
    return token


def lookup(store: Store, token: str) -> ApiToken | None:
    """The live (not revoked) token `token` is, if any."""
    return store.token_by_hash(hash_token(token), at=now())


def now() -> datetime:
    return datetime.now(UTC)
