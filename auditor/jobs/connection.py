"""The Redis connection of the service processes: `REDIS_URL` (or an explicit URL), checked
at start so an unreachable Redis is one clear error, and reconnected by redis-py after a
restart (each command gets a fresh connection from the pool)."""

from __future__ import annotations

from collections.abc import Mapping

from redis import Redis
from redis.exceptions import RedisError

from auditor.errors import AuditorError
from auditor.secretenv import read_secret

DEFAULT_URL = "redis://127.0.0.1:6379/0"


class RedisUnavailable(AuditorError):
    """Redis cannot be reached (at start: the process exits 2 with this message)."""


def redis_url(env: Mapping[str, str] | None = None) -> str | None:
    """`$REDIS_URL` (or the file `$REDIS_URL_FILE` names); None when unset."""
    return read_secret("REDIS_URL", env=env).strip() or None


def safe(url: str) -> str:
    """The URL without its password."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"


def connect(url: str, *, check: bool = True) -> Redis:
    """A client for `url`; with `check`, fail now (one line) when Redis does not answer."""
    client = Redis.from_url(
        url,
        socket_connect_timeout=5,
        socket_timeout=None,  # blocking dequeues wait longer than any fixed timeout
        health_check_interval=30,
        retry_on_timeout=True,
    )
    if check:
        try:
            client.ping()
        except RedisError as exc:
            raise RedisUnavailable(f"Redis at {safe(url)} is unreachable: {exc}") from exc
    return client
