"""Helpers on plain object dicts shared by the core: copying, metadata access, the
generation rule, status resets for subresources, and timestamps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.kubesim.resources import ResourceType

# Server-owned metadata a client cannot set on create.
SERVER_META = ("uid", "resourceVersion", "creationTimestamp", "generation", "selfLink")
DELETION_META = ("deletionTimestamp", "deletionGracePeriodSeconds")
_GENERATION_GROUPS = frozenset(
    {
        "apps",
        "batch",
        "autoscaling",
        "networking.k8s.io",
        "policy",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "flowcontrol.apiserver.k8s.io",
    }
)


def clone(value: Any) -> Any:
    """A deep copy of JSON-like data (much faster than `copy.deepcopy`)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    m = obj.get("metadata")
    if not isinstance(m, dict):
        m = {}
        obj["metadata"] = m
    return m


def timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tracks_generation(rt: ResourceType) -> bool:
    return rt.is_custom or rt.group in _GENERATION_GROUPS or (rt.group, rt.kind) == ("", "Pod")


def spec_part(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything a generation bump looks at: all but metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def at_version(rt: ResourceType, obj: dict[str, Any], version: str) -> dict[str, Any]:
    """The object as served under `version` (same fields; conversion strategy None)."""
    api_version = rt.api_version(version)
    if obj.get("apiVersion") == api_version:
        return obj
    out = dict(obj)
    out["apiVersion"] = api_version
    return out


def reset_for_main(rt: ResourceType, new: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Writes to the main resource cannot change status when a status subresource exists."""
    if "status" not in rt.subresources or rt.kind == "CustomResourceDefinition":
        return
    if old is not None and "status" in old:
        new["status"] = clone(old["status"])
    elif old is not None:
        new.pop("status", None)


def reset_for_status(new: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """A status write keeps everything of the old object but status (and managedFields)."""
    out: dict[str, Any] = clone(old)
    if "status" in new:
        out["status"] = clone(new["status"])
    else:
        out.pop("status", None)
    new_meta = new.get("metadata") or {}
    if "managedFields" in new_meta:
        meta(out)["managedFields"] = clone(new_meta["managedFields"])
    if "resourceVersion" in new_meta:
        meta(out)["resourceVersion"] = new_meta["resourceVersion"]
    return out
