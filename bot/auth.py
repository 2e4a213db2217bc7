"""Who is asking, for the dashboard and the API: no anonymous reads or writes.

A request is someone when it carries one of:
- `Authorization: Bearer <token>`: the bootstrap admin token (`GITOPS_AUDITOR_API_TOKEN`,
  for a fresh install) or a token made with `gitops-auditor token create` (stored hashed,
  acting as its RBAC role). Accepted on pages too, so scripts and tests can read them.
- an auth proxy's headers (oauth2-proxy's `X-Forwarded-User`, `-Email`, `-Groups`), only
  from an address in `web.trusted_proxies`: the user is `user:<name>`, each group a
  subject `group:<g>` for the RBAC policy's `g,` lines.
- the session cookie of a sign-in with a token on `/login` (signed, HttpOnly, Secure,
  SameSite=Lax; it holds the token's hash, so revoking the token ends the session).

Every state-changing request not authenticated by a bearer header must carry the CSRF
token of its session (forms have it; scripts on a proxy session send `X-CSRFToken`).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask, Request, Response, g, request, session
from flask_wtf.csrf import CSRFProtect

from auditor.config import Config, WebConfig
from auditor.errors import ConfigError
from auditor.pipeline import default_cache_dir
from auditor.secretenv import kept_key, read_secret
from auditor.service.tokens import hash_token, now
from auditor.store.records import Actor
from bot.context import Context

log = logging.getLogger(__name__)
BOOTSTRAP = "bootstrap"  # the name of the GITOPS_AUDITOR_API_TOKEN token
SESSION_KEY_FILE = "web-session.key"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"
)

csrf = CSRFProtect()


@dataclass(frozen=True)
class WebSettings:
    """The sign-in's settings: the config's `web` section and its two secrets."""

    web: WebConfig
    bootstrap_hash: str  # SHA-256 of GITOPS_AUDITOR_API_TOKEN; "" when unset
    session_key: str
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def from_config(cls, config: Config) -> WebSettings:
        token = read_secret("GITOPS_AUDITOR_API_TOKEN")
        key = read_secret("GITOPS_AUDITOR_SESSION_KEY") or _session_key(default_cache_dir(config))
        try:
            networks = tuple(
                ipaddress.ip_network(n.strip(), strict=False) for n in config.web.trusted_proxies
            )
        except ValueError as exc:
            raise ConfigError(f"web.trusted_proxies: {exc}") from exc
        return cls(
            web=config.web,
            bootstrap_hash=hash_token(token) if token else "",
            session_key=key,
            networks=networks,
        )


def _session_key(cache: Path) -> str:
    """A random key kept in the cache directory (0600), shared by the web's workers and
    its restarts, so sessions survive both; `GITOPS_AUDITOR_SESSION_KEY` replaces it."""
    return kept_key(cache / SESSION_KEY_FILE).decode("utf-8").strip()


def install(app: Flask, context: Context, settings: WebSettings) -> None:
    """Sessions, CSRF and security headers on `app`; `g.actor` is set per request."""
    app.config.update(
        SECRET_KEY=settings.session_key,
        SESSION_COOKIE_NAME="gitops_auditor_session",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.web.session_hours),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked by `protect` where a session can write
        WTF_CSRF_TIME_LIMIT=None,  # as long as the session
        WTF_CSRF_SSL_STRICT=False,  # the Referer check; Origin is SameSite's and ours
    )
    app.extensions["gitops-auditor-web"] = settings
    csrf.init_app(app)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if getattr(g, "actor", None) is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def settings() -> WebSettings:
    from flask import current_app

    found = current_app.extensions["gitops-auditor-web"]
    assert isinstance(found, WebSettings)
    return found


def bearer(req: Request) -> str | None:
    """The bearer token of the request ("" for a malformed header; None without one)."""
    header = req.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def actor_of_hash(context: Context, token_hash: str, *, via: str, source: str) -> Actor | None:
    """The actor a token (by its hash) acts as: the bootstrap admin, or a stored token."""
    boot = settings().bootstrap_hash
    if boot and hmac.compare_digest(boot, token_hash):
        return Actor(user=f"token:{BOOTSTRAP}", via=via, source=source, groups=("role:admin",))
    found = context.service.store.token_by_hash(token_hash, at=now())
    if found is None:
        return None
    return Actor(user=f"token:{found.name}", via=via, source=source, groups=(found.role,))


def resolve(context: Context, *, via: str) -> Actor | None:
    """Who the current request is (None: nobody); `g.by_bearer` says whether a bearer
    header said so (such a request needs no CSRF token)."""
    source = request.remote_addr or ""
    g.by_bearer = False
    token = bearer(request)
    if token is not None:
        g.by_bearer = True
        return actor_of_hash(context, hash_token(token), via=via, source=source) if token else None
    proxied = _proxy_actor(via=via, source=source)
    if proxied is not None:
        return proxied
    token_hash = session.get("token")
    if isinstance(token_hash, str) and token_hash:
        return actor_of_hash(context, token_hash, via=via, source=source)
    return None


def _proxy_actor(*, via: str, source: str) -> Actor | None:
    config = settings()
    if not config.networks or not source:
        return None
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return None
    if not any(address in network for network in config.networks):
        return None
    web = config.web
    user = request.headers.get(web.user_header, "") or request.headers.get(web.email_header, "")
    if not user.strip():
        return None
    groups = [x.strip() for x in request.headers.get(web.groups_header, "").split(",")]
    return Actor(
        user=f"user:{user.strip()}",
        via=via,
        source=source,
        groups=tuple(f"group:{x}" for x in groups if x),
    )


def protect() -> None:
    """Check the CSRF token of a state-changing request made on a session (cookie or
    proxy): a form field `csrf_token` or an `X-CSRFToken` header."""
    if request.method in ("GET", "HEAD", "OPTIONS") or getattr(g, "by_bearer", False):
        return
    csrf.protect()


def sign_in(token_hash: str) -> None:
    session.clear()
    session.permanent = True
    session["token"] = token_hash


def sign_out() -> None:
    session.clear()
