"""`/healthz` (the process is up) and `/readyz` (Redis and the store answer), for probes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from auditor.errors import AuditorError
from bot.context import current

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@health.get("/readyz")
def readyz() -> tuple[Response, int]:
    context = current()
    checks: dict[str, str] = {}
    try:
        context.jobs.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    try:
        context.service.store.ping()
        checks["store"] = "ok"
    except AuditorError as exc:
        checks["store"] = exc.message
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
