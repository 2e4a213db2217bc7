"""The `scale` subresource: an autoscaling/v1 `Scale` view of a workload's replicas, and
writes to it that become `spec.replicas` updates of the parent, owned with `subresource: scale`.
"""

from __future__ import annotations

import json
from typing import Any

from auditor.kubemeta.media import JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from auditor.kubesim import errors
from auditor.kubesim.cluster import Cluster, WriteOptions
from auditor.kubesim.objects import clone
from auditor.kubesim.patches import PatchError, json_patch, merge_patch
from auditor.kubesim.resources import ResourceType
from auditor.kubesim.selectors import selector_from_label_selector


def _get(obj: dict[str, Any], path: str) -> Any:
    cur: Any = obj
    for part in path.strip(".").split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    cur = obj
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _selector(rt: ResourceType, obj: dict[str, Any], path: str) -> str:
    if rt.is_custom:
        value = _get(obj, path) if path else None
        return str(value) if value else ""
    sel = (obj.get("spec") or {}).get("selector")
    if not isinstance(sel, dict):
        return ""
    if "matchLabels" not in sel and "matchExpressions" not in sel:
        sel = {"matchLabels": sel}  # ReplicationController selectors are plain maps
    parts = []
    for req in selector_from_label_selector(sel):
        if req.op == "=":
            parts.append(f"{req.key}={req.values[0]}")
        elif req.op in ("in", "notin"):
            parts.append(f"{req.key} {req.op} ({','.join(req.values)})")
        else:
            parts.append(req.key if req.op == "exists" else f"!{req.key}")
    return ",".join(parts)


def to_scale(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    paths = rt.scale_paths()
    if paths is None:
        raise errors.not_found(rt.group, f"{rt.plural}/scale", obj["metadata"]["name"])
    spec_path, status_path, selector_path = paths
    m = obj["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: m[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in m
        },
        "spec": {"replicas": _get(obj, spec_path) or 0},
        "status": {
            "replicas": _get(obj, status_path) or 0,
            "selector": _selector(rt, obj, selector_path),
        },
    }


def update_scale(
    cluster: Cluster,
    rt: ResourceType,
    version: str,
    ns: str,
    name: str,
    scale: Any,
    opts: WriteOptions,
) -> dict[str, Any]:
    if not isinstance(scale, dict):
        raise errors.bad_request("the body of the request must be a Scale object")
    with cluster.store.lock:
        old = cluster.get(rt, ns, name)
        paths = rt.scale_paths()
        if paths is None:
            raise errors.not_found(rt.group, f"{rt.plural}/scale", name)
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != old["metadata"].get("resourceVersion"):
            raise errors.conflict(
                rt.group,
                rt.plural,
                name,
                "the object has been modified; please apply your changes to the latest version "
                "and try again",
            )
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise errors.invalid(
                "autoscaling",
                "Scale",
                name,
                [
                    (
                        "FieldValueInvalid",
                        "spec.replicas",
                        "Invalid value: must be greater than or equal to 0",
                    )
                ],
            )
        new = clone(old)
        new["metadata"].pop("managedFields", None)
        new["metadata"].pop("resourceVersion", None)
        _set(new, paths[0], replicas)
        scaled = WriteOptions(manager=opts.manager, dry_run=opts.dry_run, subresource="scale")
        result = cluster._update_from(rt, version, old, new, scaled)
        current = cluster.store.get((rt.group, rt.plural), ns, name) if not opts.dry_run else None
        return to_scale(rt, current or result)


def patch_scale(
    cluster: Cluster,
    rt: ResourceType,
    version: str,
    ns: str,
    name: str,
    *,
    patch_type: str,
    body: bytes,
    opts: WriteOptions,
) -> dict[str, Any]:
    with cluster.store.lock:
        current = to_scale(rt, cluster.get(rt, ns, name))
        try:
            patch = json.loads(body or b"{}")
            if patch_type in (MERGE_PATCH, STRATEGIC_MERGE_PATCH):
                scale = merge_patch(current, patch)
            elif patch_type == JSON_PATCH:
                scale = json_patch(current, patch)
            else:
                raise errors.unsupported_media_type(patch_type)
        except (ValueError, PatchError) as exc:
            raise errors.bad_request(f"error applying patch to scale: {exc}") from exc
        return update_scale(cluster, rt, version, ns, name, scale, opts)
