"""`/api/v1`: the JSON API over the store and the queues, described by the OpenAPI 3.1
document at `/api/v1/openapi.json` (`bot.api.openapi`).

Reads: apps (filtered, sorted, paged), one app in the JSON report's shape (with each
finding's `firstSeen`), findings, audits, syncs, pull requests. Writes enqueue jobs and
answer 202 with the job's id: `POST /apps/<app>/sync`, `POST /apps/<app>/audit`. Every
request needs a bearer token (or a session: see `bot.auth`), every error is one shape:
`{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from auditor.logs import current_request_id
from auditor.service.operations import ApprovalRequired, Forbidden, permits
from auditor.service.queries import (
    SORTS,
    STATUSES,
    AppQuery,
    app_detail,
    app_item,
    finding_item,
    pull_item,
    run_item,
    select_apps,
    sync_item,
)
from auditor.service.rbac import GET
from auditor.store.records import AppState
from bot import auth
from bot.api.openapi import document
from bot.context import current

api = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 1000


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> tuple[Response, int]:
    response = jsonify(error={"code": code, "message": message})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gitops-auditor"'
    return response, status


@api.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    return error(exc.status, exc.code, exc.message)


@api.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int]:
    code = (exc.name or "error").lower().replace(" ", "-")
    return error(exc.code or 500, code, exc.description or exc.name)


@api.record_once
def _errors_outside_routes(state: Any) -> None:
    """A path under /api/ that matches no route (404) or not with this method (405)
    answers in the API's error shape too, not with Flask's HTML page."""

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith(api.url_prefix or "/api/"):
            return _http_error(exc)
        return exc

    state.app.register_error_handler(404, handle)
    state.app.register_error_handler(405, handle)


@api.before_request
def _authenticate() -> tuple[Response, int] | None:
    if request.endpoint == "api.openapi":
        return None  # the API's description is public, like any published spec
    g.actor = auth.resolve(current(), via="api")
    if g.actor is None:
        return error(401, "unauthorized", "a valid bearer token is required")
    auth.protect()
    return None


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document(server=request.host_url.rstrip("/")))


def _int(name: str, default: int, *, low: int = 0, high: int = MAX_LIMIT) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad-parameter", f"{name}: an integer, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise ApiError(400, "bad-parameter", f"{name}: between {low} and {high}")
    return value


def _choice(name: str, choices: Sequence[str], default: str = "") -> str:
    value = request.args.get(name, default)
    if value and value not in choices:
        raise ApiError(400, "bad-parameter", f"{name}: one of {', '.join(choices)}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = request.args.get(name, "").lower()
    if raw == "":
        return default
    if raw not in ("true", "false"):
        raise ApiError(400, "bad-parameter", f"{name}: true or false")
    return raw == "true"


def _page(items: Sequence[Any], shape: Callable[[Any], dict[str, Any]]) -> Response:
    """A page of `items` by `limit` and `offset`, with the offset of the next page."""
    limit, offset = _int("limit", 100, low=1), _int("offset", 0, high=10**9)
    chosen = items[offset : offset + limit]
    more = len(items) > offset + limit
    return jsonify(
        items=[shape(x) for x in chosen],
        limit=limit,
        offset=offset,
        total=len(items),
        next=offset + limit if more else None,
    )


def _window() -> int:
    """How many rows a history read needs for the requested page (and one more)."""
    return _int("limit", 100, low=1) + _int("offset", 0, high=10**9) + 1


def _state(name: str) -> AppState:
    state = current().service.store.app(name)
    if state is None or not _may(GET, state):
        raise ApiError(404, "not-found", f"no app named {name!r}")
    return state


def _may(action: str, state: AppState) -> bool:
    """Whether the request's actor may (the RBAC grants found once per request and action)."""
    checks = g.setdefault("permits", {})
    if action not in checks:
        checks[action] = permits(current().service, g.actor, action=action)
    return bool(checks[action](state.project, state.name))


def _app_arg() -> str | None:
    name = request.args.get("app")
    if name is not None:
        _state(name)
    return name


@api.get("/apps")
def apps() -> Response:
    query = AppQuery(
        status=_choice("status", STATUSES),
        project=request.args.get("project", ""),
        cluster=request.args.get("cluster", ""),
        text=request.args.get("q", ""),
        sort=_choice("sort", [*SORTS, *(f"-{s}" for s in SORTS)], "name"),
    )
    store = current().service.store
    visible = [s for s in store.app_summaries() if _may(GET, s.state)]
    return _page(select_apps(visible, query), app_item)


@api.get("/apps/<name>")
def app(name: str) -> Response:
    detail = app_detail(current().service.store, _state(name))
    if detail is None:
        raise ApiError(404, "not-found", f"no app named {name!r}")
    return jsonify(detail)


@api.get("/findings")
def findings() -> Response:
    name = _app_arg()
    store = current().service.store
    found = store.findings(app=name, open_only=_bool("open", True))
    if name is None:
        states = {s.name: s for s in store.apps()}
        found = [f for f in found if f.app in states and _may(GET, states[f.app])]
    return _page(found, finding_item)


@api.get("/audits")
def audits() -> Response:
    return _history(lambda store, name, n: store.runs(app=name, limit=n), run_item)


@api.get("/syncs")
def syncs() -> Response:
    return _history(lambda store, name, n: store.syncs(app=name, limit=n), sync_item)


@api.get("/pulls")
def pulls() -> Response:
    return _history(lambda store, name, n: store.pull_requests(app=name, limit=n), pull_item)


def _history(read: Callable[[Any, str | None, int], Sequence[Any]], shape: Any) -> Response:
    name = _app_arg()
    store = current().service.store
    rows = read(store, name, _window())
    if name is None:
        states = {s.name: s for s in store.apps()}
        rows = [r for r in rows if r.app in states and _may(GET, states[r.app])]
    return _page(rows, shape)


def _body() -> dict[str, Any]:
    if not request.data:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad-body", "the body must be a JSON object")
    return body


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ApiError(400, "bad-body", f"{name}: true or false")
    return value


@api.post("/apps/<name>/sync")
def sync(name: str) -> tuple[Response, int]:
    body = _body()
    unknown = set(body) - {"prune", "dryRun"}
    if unknown:
        raise ApiError(400, "bad-body", f"unknown fields: {', '.join(sorted(unknown))}")
    prune, dry_run = _flag(body, "prune"), _flag(body, "dryRun")
    state = _state(name)
    try:
        job = current().request_sync(g.actor, state, prune=prune, dry_run=dry_run)
    except Forbidden as exc:
        raise ApiError(403, "forbidden", exc.message) from exc
    except ApprovalRequired as exc:
        raise ApiError(409, "approval-required", exc.message) from exc
    return jsonify(job=job.id, new=job.new, app=name, dryRun=dry_run, prune=prune), 202


@api.post("/apps/<name>/audit")
def audit(name: str) -> tuple[Response, int]:
    _body()
    _state(name)
    job = current().jobs.audit_app(name, trigger="api", request_id=current_request_id())
    return jsonify(job=job.id, new=job.new, app=name), 202
