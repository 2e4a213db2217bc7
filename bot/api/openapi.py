"""The OpenAPI 3.1 document of `/api/v1`, kept true by a schemathesis run against the live
app (tests/bot/test_api_schema.py): every response of every operation must match it."""

from __future__ import annotations

from typing import Any

from auditor.service.queries import SEVERITIES, SORTS, STATUSES

VERSION = "1.0.0"


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(required: list[str], properties: dict[str, Any], *, closed: bool = True) -> Any:
    out: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        out["additionalProperties"] = False
    return out


def _page_of(item: str) -> Any:
    return _object(
        ["items", "limit", "offset", "total", "next"],
        {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "total": {"type": "integer", "minimum": 0},
            "next": _nullable("integer", minimum=0),
        },
    )


TIME = _nullable("string", format="date-time")
HEALTH = {
    "oneOf": [
        {"type": "null"},
        _object(
            ["status", "message"], {"status": {"type": "string"}, "message": {"type": "string"}}
        ),
    ]
}
ANY: dict[str, Any] = {}  # a field's value: any JSON (Secret values come masked)

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        ["error"],
        {
            "error": _object(
                ["code", "message"],
                {"code": {"type": "string"}, "message": {"type": "string"}},
            )
        },
    ),
    "App": _object(
        [
            "name",
            "project",
            "cluster",
            "namespace",
            "path",
            "mode",
            "sync",
            "health",
            "error",
            "revision",
            "drifted",
            "unmanaged",
            "driftSince",
            "violations",
            "snoozedUntil",
            "auditedAt",
        ],
        {
            "name": {"type": "string"},
            "project": {"type": "string"},
            "cluster": {"type": "string"},
            "namespace": {"type": "string"},
            "path": {"type": "string"},
            "mode": {"type": "string"},
            "sync": {"type": "string", "enum": list(STATUSES)},
            "health": HEALTH,
            "error": _nullable("string"),
            "revision": {"type": "string"},
            "drifted": {"type": "integer", "minimum": 0},
            "unmanaged": {"type": "integer", "minimum": 0},
            "driftSince": TIME,
            "violations": _object(
                list(SEVERITIES), {s: {"type": "integer", "minimum": 0} for s in SEVERITIES}
            ),
            "snoozedUntil": TIME,
            "auditedAt": TIME,
        },
    ),  # fmt: skip
    "Change": _object(
        ["path", "desired", "live", "manager", "time", "firstSeen"],
        {
            "path": {"type": "string"},
            "desired": ANY,
            "live": ANY,
            "manager": _nullable("string"),
            "time": _nullable("string"),
            "firstSeen": TIME,
        },
    ),
    "Unmanaged": _object(
        ["path", "live", "manager", "time", "firstSeen"],
        {
            "path": {"type": "string"},
            "live": ANY,
            "manager": {"type": "string"},
            "time": _nullable("string"),
            "firstSeen": TIME,
        },
    ),
    "Resource": _object(
        ["group", "version", "kind", "namespace", "name", "status", "changes", "unmanaged"],
        {
            "group": {"type": "string"},
            "version": {"type": "string"},
            "kind": {"type": "string"},
            "namespace": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string"},
            "health": HEALTH,
            "requiresPruning": {"type": "boolean"},
            "sharedWith": {"type": "array", "items": {"type": "string"}},
            "changes": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
            "unmanaged": {"type": "array", "items": {"$ref": "#/components/schemas/Unmanaged"}},
            "diff": {"type": "string"},
            "firstSeen": TIME,
        },
    ),
    "Violation": _object(
        ["policy", "severity", "message"],
        {
            "policy": {"type": "string"},
            "severity": {"type": "string"},
            "message": {"type": "string"},
        },
        closed=False,
    ),
    "AppDetail": _object(
        ["name", "sync", "resources", "violations", "driftSince", "auditedAt"],
        {
            "name": {"type": "string"},
            "project": {"type": "string"},
            "cluster": {"type": "string"},
            "namespace": {"type": "string"},
            "path": {"type": "string"},
            "revision": {"type": "string"},
            "sync": {"type": "string", "enum": list(STATUSES)},
            "health": HEALTH,
            "error": _nullable("string"),
            "resources": {"type": "array", "items": {"$ref": "#/components/schemas/Resource"}},
            "violations": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
            "notes": {"type": "array", "items": {"type": "string"}},
            "driftSince": TIME,
            "auditedAt": TIME,
        },
    ),
    "Finding": _object(
        [
            "app",
            "fingerprint",
            "finding",
            "group",
            "kind",
            "namespace",
            "name",
            "path",
            "desired",
            "live",
            "manager",
            "changedAt",
            "firstSeen",
            "lastSeen",
            "resolvedAt",
        ],
        {
            "app": {"type": "string"},
            "fingerprint": {"type": "string"},
            "finding": {"type": "string", "enum": ["drift", "unmanaged", "missing", "extra"]},
            "group": {"type": "string"},
            "kind": {"type": "string"},
            "namespace": {"type": "string"},
            "name": {"type": "string"},
            "path": {"type": "string"},
            "desired": ANY,
            "live": ANY,
            "manager": _nullable("string"),
            "changedAt": _nullable("string"),
            "firstSeen": TIME,
            "lastSeen": TIME,
            "resolvedAt": TIME,
        },
    ),  # fmt: skip
    "Audit": _object(
        [
            "id",
            "app",
            "cluster",
            "trigger",
            "revision",
            "startedAt",
            "finishedAt",
            "seconds",
            "apiRequests",
            "sync",
            "error",
            "drifted",
            "unmanaged",
            "job",
        ],
        {
            "id": {"type": "integer"},
            "app": {"type": "string"},
            "cluster": {"type": "string"},
            "trigger": {"type": "string"},
            "revision": {"type": "string"},
            "startedAt": TIME,
            "finishedAt": TIME,
            "seconds": {"type": "number", "minimum": 0},
            "apiRequests": {"type": "integer", "minimum": 0},
            "sync": {"type": "string"},
            "error": _nullable("string"),
            "drifted": {"type": "integer", "minimum": 0},
            "unmanaged": {"type": "integer", "minimum": 0},
            "job": _nullable("string"),
        },
    ),  # fmt: skip
    "Sync": _object(
        [
            "id",
            "app",
            "cluster",
            "actor",
            "via",
            "trigger",
            "dryRun",
            "prune",
            "status",
            "startedAt",
            "finishedAt",
            "blockedBy",
            "error",
            "sync",
            "actions",
            "job",
        ],
        {
            "id": {"type": "integer"},
            "app": {"type": "string"},
            "cluster": {"type": "string"},
            "actor": {"type": "string"},
            "via": {"type": "string"},
            "trigger": {"type": "string"},
            "dryRun": {"type": "boolean"},
            "prune": {"type": "boolean"},
            "status": {"type": "string", "enum": ["running", "succeeded", "failed", "blocked"]},
            "startedAt": TIME,
            "finishedAt": TIME,
            "blockedBy": _nullable("string"),
            "error": _nullable("string"),
            "sync": _nullable("string"),
            "actions": {"type": "array", "items": {"type": "object"}},
            "job": _nullable("string"),
        },
    ),  # fmt: skip
    "Pull": _object(
        ["id", "app", "branch", "url", "number", "created", "error", "at"],
        {
            "id": {"type": "integer"},
            "app": {"type": "string"},
            "branch": {"type": "string"},
            "url": _nullable("string"),
            "number": _nullable("integer"),
            "created": {"type": "boolean"},
            "error": _nullable("string"),
            "at": TIME,
        },
    ),
    "Job": _object(
        ["job", "new", "app"],
        {
            "job": {"type": "string"},
            "new": {"type": "boolean"},
            "app": {"type": "string"},
            "dryRun": {"type": "boolean"},
            "prune": {"type": "boolean"},
        },
    ),
    "SyncRequest": _object(
        [],
        {
            "prune": {"type": "boolean", "description": "delete tracked objects Git dropped"},
            "dryRun": {"type": "boolean", "description": "plan only: change nothing"},
        },
    ),
}
for _name in ("App", "Finding", "Audit", "Sync", "Pull"):
    SCHEMAS[f"{_name}Page"] = _page_of(_name)


def _param(name: str, where: str, schema: dict[str, Any], text: str, **extra: Any) -> Any:
    return {"name": name, "in": where, "schema": schema, "description": text, **extra}


PAGING = [
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size"),
    _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10**9}, "items to skip"),
]
APP_PATH = _param("app", "path", {"type": "string", "minLength": 1}, "app name", required=True)
APP_FILTER = _param("app", "query", {"type": "string"}, "only this app's")
SORT_VALUES = [*SORTS, *(f"-{s}" for s in SORTS)]


def _json(schema: str, text: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": text, "content": {"application/json": {"schema": ref}}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "bad parameters or body",
        401: "no valid bearer token",
        403: "the token's role may not do this",
        404: "no such app (or not visible to the token)",
        409: "the sync needs a second operator's approval (rbac.approvals)",
    }
    return {str(c): _json("Error", texts[c]) for c in codes}


def _list(summary: str, schema: str, params: list[Any]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [*params, *PAGING],
            "responses": {"200": _json(f"{schema}Page", summary), **_errors(400, 401, 404)},
        }
    }


def document(*, server: str = "") -> dict[str, Any]:
    """The document, with `server` (the app's own URL) as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gitops-auditor API",
            "version": VERSION,
            "description": "Drift, policy violations, audits, syncs and pull requests of "
            "the apps gitops-auditor audits. Errors: {error: {code, message}}.",
        },
        "servers": [{"url": server or "/"}],
        "security": [{"bearer": []}],
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/v1/apps": _list(
                "apps, filtered and sorted",
                "App",
                [
                    _param("status", "query", {"type": "string", "enum": list(STATUSES)}, "sync"),
                    _param("project", "query", {"type": "string"}, "Argo CD project"),
                    _param("cluster", "query", {"type": "string"}, "destination cluster"),
                    _param("q", "query", {"type": "string"}, "part of name, path, error"),
                    _param("sort", "query", {"type": "string", "enum": SORT_VALUES}, "order"),
                ],
            ),
            "/api/v1/apps/{app}": {
                "get": {
                    "summary": "one app: its last report, each finding with firstSeen",
                    "parameters": [APP_PATH],
                    "responses": {"200": _json("AppDetail", "the app"), **_errors(401, 404)},
                }
            },
            "/api/v1/apps/{app}/sync": {
                "post": {
                    "summary": "sync the app to Git (a job; 202 with its id)",
                    "parameters": [APP_PATH],
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SyncRequest"}
                            }
                        },
                    },
                    "responses": {
                        "202": _json("Job", "enqueued"),
                        **_errors(400, 401, 403, 404, 409),
                    },
                }
            },
            "/api/v1/apps/{app}/audit": {
                "post": {
                    "summary": "audit the app now (a job; 202 with its id)",
                    "parameters": [APP_PATH],
                    "responses": {"202": _json("Job", "enqueued"), **_errors(400, 401, 404)},
                }
            },
            "/api/v1/findings": _list(
                "findings (open by default)",
                "Finding",
                [APP_FILTER, _param("open", "query", {"type": "boolean"}, "only open ones")],
            ),
            "/api/v1/audits": _list("audit runs, newest first", "Audit", [APP_FILTER]),
            "/api/v1/syncs": _list("sync operations, newest first", "Sync", [APP_FILTER]),
            "/api/v1/pulls": _list("remediation pull requests, newest first", "Pull", [APP_FILTER]),
        },
    }
