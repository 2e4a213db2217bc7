"""Normalization of desired, live and predicted objects before they are compared.

Produces plain JSON-like copies without server-populated metadata, `status` and the
last-applied annotation, with per-kind fix-ups (Secret `stringData`, Endpoints order,
aggregated ClusterRole rules). Never depends on typed decoding: unknown fields pass through.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from auditor.diff.secrets import LAST_APPLIED, fold_string_data, is_secret

SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)


def plain(value: Any) -> Any:
    """A deep copy made of dict/list/str/int/float/bool/None (YAML timestamps become text)."""
    kind = type(value)  # the common cases first, without the ABC checks below
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() == dt.timedelta(0):
            return value.replace(tzinfo=None).isoformat() + "Z"
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def last_applied(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object recorded in the last-applied annotation, normalized; None when absent."""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    text = annotations.get(LAST_APPLIED) if isinstance(annotations, Mapping) else None
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return normalize(parsed) if isinstance(parsed, Mapping) else None


def normalize(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized plain copy of an object (desired, live, predicted or last-applied)."""
    out: dict[str, Any] = plain(obj)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for name in SERVER_METADATA:
            meta.pop(name, None)
        annotations = meta.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
            if not annotations:
                del meta["annotations"]
    _drop_null_timestamps(out)
    if is_secret(out):
        fold_string_data(out)
    kind = out.get("kind")
    group = str(out.get("apiVersion") or "").rpartition("/")[0]
    if kind == "Endpoints" and group == "":
        _sort_endpoints(out)
    if kind in ("ClusterRole", "Role") and group == "rbac.authorization.k8s.io":
        if out.get("aggregationRule"):
            # The aggregation controller writes `rules`: not Git's to compare.
            out.pop("rules", None)
    return out


def _drop_null_timestamps(value: Any) -> None:
    """`creationTimestamp: null` inside embedded templates is serialization noise."""
    if isinstance(value, dict):
        meta = value.get("metadata")
        if isinstance(meta, dict) and "creationTimestamp" in meta:
            if meta["creationTimestamp"] is None:
                del meta["creationTimestamp"]
        for v in value.values():
            _drop_null_timestamps(v)
    elif isinstance(value, list):
        for v in value:
            _drop_null_timestamps(v)


def _sort_endpoints(obj: dict[str, Any]) -> None:
    """Endpoints subsets are repacked by the server: compare them in a canonical order."""
    subsets = obj.get("subsets")
    if not isinstance(subsets, list):
        return
    for subset in subsets:
        if not isinstance(subset, dict):
            continue
        for name in ("addresses", "notReadyAddresses"):
            if isinstance(subset.get(name), list):
                subset[name] = sorted(subset[name], key=_canonical)
        ports = subset.get("ports")
        if isinstance(ports, list):
            for port in ports:
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"
            subset["ports"] = sorted(ports, key=_canonical)
    obj["subsets"] = sorted(subsets, key=_canonical)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
