"""Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get`, with NAME and AGE for
every kind and the familiar extra columns for the common ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from auditor.kubesim.resources import ResourceType

Column = tuple[str, str, Callable[[dict[str, Any]], Any]]


def age(created: str | None, now: datetime) -> str:
    if not created:
        return "<unknown>"
    try:
        then = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=now.tzinfo)
    except ValueError:
        return "<unknown>"
    secs = max(0, int((now - then).total_seconds()))
    if secs < 120:
        return f"{secs}s"
    if secs < 7200:
        return f"{secs // 60}m"
    if secs < 172800:
        return f"{secs // 3600}h"
    return f"{secs // 86400}d"


def _spec(o: dict[str, Any]) -> dict[str, Any]:
    return o.get("spec") or {}


def _status(o: dict[str, Any]) -> dict[str, Any]:
    return o.get("status") or {}


def _ports(o: dict[str, Any]) -> str:
    ports = _spec(o).get("ports") or []
    out = []
    for p in ports:
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        out.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


_EXTRA: dict[tuple[str, str], list[Column]] = {
    ("apps", "Deployment"): [
        (
            "Ready",
            "string",
            lambda o: f"{_status(o).get('readyReplicas', 0)}/{_spec(o).get('replicas', 1)}",
        ),
        ("Up-to-date", "integer", lambda o: _status(o).get("updatedReplicas", 0)),
        ("Available", "integer", lambda o: _status(o).get("availableReplicas", 0)),
    ],
    ("apps", "StatefulSet"): [
        (
            "Ready",
            "string",
            lambda o: f"{_status(o).get('readyReplicas', 0)}/{_spec(o).get('replicas', 1)}",
        ),
    ],
    ("", "Pod"): [
        ("Status", "string", lambda o: _status(o).get("phase", "Pending")),
    ],
    ("", "Service"): [
        ("Type", "string", lambda o: _spec(o).get("type", "ClusterIP")),
        ("Cluster-IP", "string", lambda o: _spec(o).get("clusterIP", "<none>")),
        ("Port(s)", "string", _ports),
    ],
    ("", "ConfigMap"): [
        ("Data", "integer", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}))
    ],
    ("", "Secret"): [
        ("Type", "string", lambda o: o.get("type", "Opaque")),
        ("Data", "integer", lambda o: len(o.get("data") or {})),
    ],
    ("", "Namespace"): [("Status", "string", lambda o: _status(o).get("phase", "Active"))],
}


def _jsonpath(o: dict[str, Any], path: str) -> Any:
    cur: Any = o
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _path_getter(path: str) -> Callable[[dict[str, Any]], Any]:
    return lambda o: _jsonpath(o, path)


def columns(rt: ResourceType) -> list[Column]:
    if rt.is_custom:
        version = rt.crd_version()
        extra: list[Column] = []
        for col in version.get("additionalPrinterColumns") or []:
            path = str(col.get("jsonPath", ""))
            extra.append(
                (
                    str(col.get("name")),
                    str(col.get("type", "string")),
                    _path_getter(path),
                )
            )
        return extra
    return _EXTRA.get((rt.group, rt.kind), [])


def table(
    rt: ResourceType,
    objects: Sequence[dict[str, Any]],
    *,
    now: datetime,
    include_object: str = "Metadata",
    resource_version: str = "",
    continue_token: str = "",
) -> dict[str, Any]:
    cols = columns(rt)
    defs = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0}
    ]
    defs += [
        {"name": n, "type": t, "format": "", "description": n, "priority": 0} for n, t, _ in cols
    ]
    defs.append(
        {"name": "Age", "type": "string", "format": "", "description": "Age", "priority": 0}
    )
    rows = []
    for o in objects:
        m = o.get("metadata") or {}
        cells: list[Any] = [m.get("name", "")]
        cells += [_cell(fn, o) for _, _, fn in cols]
        cells.append(age(m.get("creationTimestamp"), now))
        row: dict[str, Any] = {"cells": cells}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": {k: v for k, v in m.items() if k != "managedFields"},
            }
        rows.append(row)
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": defs,
        "rows": rows,
    }


def _cell(fn: Callable[[dict[str, Any]], Any], o: dict[str, Any]) -> Any:
    try:
        value = fn(o)
    except (KeyError, TypeError, ValueError):
        return "<unknown>"
    return "<none>" if value is None else value
