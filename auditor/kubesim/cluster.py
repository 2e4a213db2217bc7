"""The kubesim API core: every verb on every resource, with no HTTP in sight.

`Cluster` owns the store, the served resources (built-ins plus CRD kinds) and the write
pipeline every create/update/patch/apply goes through: prepare, reset subresource fields,
default, validate, bump generation, record managedFields, store (unless dry-run), react.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from auditor.kubemeta.managed import decode, encode
from auditor.kubemeta.media import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH
from auditor.kubesim import errors, lifecycle, ssa
from auditor.kubesim.defaults import IpAllocator, apply_defaults
from auditor.kubesim.objects import (
    DELETION_META,
    SERVER_META,
    at_version,
    clone,
    meta,
    reset_for_main,
    reset_for_status,
    spec_part,
    timestamp,
    tracks_generation,
)
from auditor.kubesim.patches import PatchError, json_patch, merge_patch
from auditor.kubesim.resources import ResourceRegistry, ResourceType
from auditor.kubesim.store import Store
from auditor.kubesim.strategic import strategic_merge_patch
from auditor.kubesim.validation import check_bytes, prune_unknown, validate


@dataclass(frozen=True)
class WriteOptions:
    """Per-request write settings from the query string."""

    manager: str
    dry_run: bool = False
    force: bool = False
    field_validation: str = "Warn"
    subresource: str = ""
    warnings: list[str] = field(default_factory=list, compare=False)


class Cluster:
    """One simulated cluster's state and API semantics."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        new_uid: Callable[[], str] | None = None,
        controllers: bool = True,
    ) -> None:
        self.store = Store()
        self.registry = ResourceRegistry()
        self.allocator = IpAllocator()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.new_uid = new_uid or (lambda: str(uuid.uuid4()))
        self.controllers = controllers

    def now(self) -> str:
        return timestamp(self.clock())

    # ---- lookup -------------------------------------------------------------------
    def resource(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.registry.lookup(group, version, plural)
        if rt is None:
            raise errors.ApiError(
                404, "NotFound", "the server could not find the requested resource"
            )
        return rt

    def get(self, rt: ResourceType, ns: str, name: str) -> dict[str, Any]:
        obj = self.store.get((rt.group, rt.plural), ns if rt.namespaced else "", name)
        if obj is None:
            raise errors.not_found(rt.group, rt.plural, name)
        return obj

    def namespace_exists(self, ns: str) -> dict[str, Any] | None:
        return self.store.get(("", "namespaces"), "", ns)

    # ---- writes ---------------------------------------------------------------------
    def create(
        self, rt: ResourceType, version: str, ns: str, body: Any, opts: WriteOptions
    ) -> dict[str, Any]:
        return self._create(rt, version, ns, self._prepare_body(rt, body, ns, opts=opts), opts)

    def _create(
        self,
        rt: ResourceType,
        version: str,
        ns: str,
        obj: dict[str, Any],
        opts: WriteOptions,
        *,
        apply_entries: list[Any] | None = None,
    ) -> dict[str, Any]:
        m = meta(obj)
        if not m.get("name") and m.get("generateName"):
            m["name"] = str(m["generateName"]) + uuid.uuid4().hex[:5]
        name = str(m.get("name") or "")
        with self.store.lock:
            if rt.namespaced:
                namespace = self.namespace_exists(ns)
                if namespace is None:
                    raise errors.not_found("", "namespaces", ns)
                if (namespace.get("metadata") or {}).get("deletionTimestamp"):
                    raise errors.ApiError(
                        403,
                        "Forbidden",
                        f'{rt.plural} "{name}" is forbidden: unable to create new content in '
                        f"namespace {ns} because it is being terminated",
                    )
            if name and self.store.get((rt.group, rt.plural), ns, name) is not None:
                raise errors.already_exists(rt.group, rt.plural, name)
            for key in (*SERVER_META, *DELETION_META):
                m.pop(key, None)
            m["uid"] = self.new_uid()
            m["creationTimestamp"] = self.now()
            if tracks_generation(rt):
                m["generation"] = 1
            entries = decode(m.pop("managedFields", None))
            if "status" in rt.subresources and rt.kind != "CustomResourceDefinition":
                # Create ignores status; built-in types then serialise their zero status.
                obj.pop("status", None)
                if not rt.is_custom:
                    obj["status"] = {}
            return self._commit(rt, version, None, obj, entries, opts, apply_entries=apply_entries)

    def update(
        self, rt: ResourceType, version: str, ns: str, name: str, body: Any, opts: WriteOptions
    ) -> dict[str, Any]:
        with self.store.lock:
            old = self.get(rt, ns, name)
            new = self._prepare_body(rt, body, ns, opts=opts)
            return self._update_from(rt, version, old, new, opts)

    def _update_from(
        self,
        rt: ResourceType,
        version: str,
        old: dict[str, Any],
        new: dict[str, Any],
        opts: WriteOptions,
        *,
        apply_entries: list[Any] | None = None,
    ) -> dict[str, Any]:
        m, old_m = meta(new), old["metadata"]
        if m.get("name") and m["name"] != old_m["name"]:
            raise errors.bad_request(
                f"the name of the object ({m['name']}) does not match the name on the URL "
                f"({old_m['name']})"
            )
        rv = m.get("resourceVersion")
        if rv and str(rv) != old_m.get("resourceVersion"):
            raise errors.conflict(
                rt.group,
                rt.plural,
                old_m["name"],
                "the object has been modified; please apply your changes to the latest "
                "version and try again",
            )
        if opts.subresource in ("status", "scale"):
            if opts.subresource == "status":
                new = reset_for_status(new, old)
            m = meta(new)
        else:
            reset_for_main(rt, new, old)
        for key in ("name", "namespace", "uid", "creationTimestamp", *DELETION_META):
            if key in old_m:
                m[key] = old_m[key]
            else:
                m.pop(key, None)
        if "generation" in old_m:
            m["generation"] = old_m["generation"]
        given = m.pop("managedFields", None)
        use_given = bool(given) and not opts.subresource
        entries = decode(given if use_given else old_m.get("managedFields"))
        return self._commit(rt, version, old, new, entries, opts, apply_entries=apply_entries)

    def patch(
        self,
        rt: ResourceType,
        version: str,
        ns: str,
        name: str,
        *,
        patch_type: str,
        body: bytes,
        opts: WriteOptions,
    ) -> dict[str, Any]:
        with self.store.lock:
            if patch_type == APPLY_PATCH:
                return self._apply(rt, version, ns, name, body, opts)
            old = self.get(rt, ns, name)
            try:
                patch = json.loads(body or b"{}")
            except ValueError as exc:
                raise errors.bad_request(f"error decoding patch: {exc}") from exc
            current = clone(at_version(rt, old, version))
            try:
                if patch_type == MERGE_PATCH:
                    new = merge_patch(current, patch)
                elif patch_type == JSON_PATCH:
                    new = json_patch(current, patch)
                elif patch_type == STRATEGIC_MERGE_PATCH:
                    if rt.is_custom:
                        raise errors.unsupported_media_type(patch_type)
                    new = strategic_merge_patch(current, patch, rt.root(version))
                else:
                    raise errors.unsupported_media_type(patch_type)
            except PatchError as exc:
                raise errors.ApiError(422, "Invalid", str(exc)) from exc
            if not isinstance(new, dict):
                raise errors.bad_request("the patch did not produce an object")
            new = self._prepare_body(rt, new, ns, opts=opts)
            return self._update_from(rt, version, old, new, opts)

    def _apply(
        self, rt: ResourceType, version: str, ns: str, name: str, body: bytes, opts: WriteOptions
    ) -> dict[str, Any]:
        if not opts.manager:
            raise errors.bad_request(
                "PATCH, fieldManager: Required value: is required for apply patch"
            )
        try:
            config = yaml.safe_load(body or b"{}")
        except yaml.YAMLError as exc:
            raise errors.bad_request(f"error decoding YAML: {exc}") from exc
        if not isinstance(config, dict):
            raise errors.bad_request("the apply patch must be an object")
        cm = config.get("metadata") or {}
        if cm.get("name") and cm["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({cm['name']}) does not match the name on the URL ({name})"
            )
        config = self._prepare_body(rt, config, ns, opts=opts)
        cmeta = meta(config)
        for key in ("managedFields", "uid", "creationTimestamp", "generation", "selfLink"):
            cmeta.pop(key, None)
        precondition = cmeta.pop("resourceVersion", None)
        old = self.store.get((rt.group, rt.plural), ns if rt.namespaced else "", name)
        live = clone(old) if old is not None else {}
        if old is None:
            if opts.subresource:
                raise errors.not_found(rt.group, rt.plural, name)
            live = {"apiVersion": rt.api_version(), "kind": rt.kind, "metadata": {"name": name}}
        live_meta = meta(live)
        entries = decode(live_meta.pop("managedFields", None))
        try:
            merged, new_entries = ssa.apply(
                live,
                config,
                node=rt.root(version),
                entries=entries,
                manager=opts.manager,
                api_version=rt.api_version(version),
                force=opts.force,
                now=self.now(),
                subresource=opts.subresource,
                keep=ssa.keep_for(rt, opts.subresource),
            )
        except ssa.ApplyConflict as exc:
            raise errors.ApiError(
                409, "Conflict", exc.message(), details={"causes": exc.causes()}
            ) from exc
        if precondition:
            meta(merged)["resourceVersion"] = precondition
        if old is None:
            return self._create(rt, version, ns, merged, opts, apply_entries=new_entries)
        return self._update_from(rt, version, old, merged, opts, apply_entries=new_entries)

    def _prepare_body(
        self, rt: ResourceType, body: Any, ns: str, *, opts: WriteOptions
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise errors.bad_request("the body of the request must be an object")
        kind = body.get("kind")
        if kind and kind != rt.kind and kind != "Scale":
            raise errors.bad_request(
                f"{kind} in version {rt.version!r} cannot be handled as a {rt.kind}: "
                f"the kind does not match the URL"
            )
        obj: dict[str, Any] = clone(body)
        obj["apiVersion"] = rt.api_version()
        obj["kind"] = rt.kind
        m = meta(obj)
        if rt.namespaced:
            if m.get("namespace") and m["namespace"] != ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            m["namespace"] = ns
        else:
            m.pop("namespace", None)
        self._check_unknown(rt, obj, opts)
        return obj

    def _check_unknown(self, rt: ResourceType, obj: dict[str, Any], opts: WriteOptions) -> None:
        unknown = prune_unknown(obj, rt.root())
        if not unknown or opts.field_validation == "Ignore":
            return
        if opts.field_validation == "Strict":
            listed = ", ".join(f'unknown field "{u}"' for u in unknown)
            raise errors.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"strict decoding error: {listed}"
            )
        opts.warnings.extend(f'unknown field "{u}"' for u in unknown)

    def _commit(
        self,
        rt: ResourceType,
        version: str,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        entries: list[Any],
        opts: WriteOptions,
        *,
        apply_entries: list[Any] | None,
    ) -> dict[str, Any]:
        check_bytes(rt, new)
        apply_defaults(rt, new, allocator=self.allocator)
        validate(rt, new, node=rt.root())
        m = meta(new)
        if tracks_generation(rt) and old is not None:
            m["generation"] = old["metadata"].get("generation", 1)
            if spec_part(old) != spec_part(new):
                m["generation"] += 1
        if apply_entries is None:
            base = None
            if old is not None:
                base = {k: v for k, v in old.items()}
                base["metadata"] = {
                    k: v for k, v in old["metadata"].items() if k != "managedFields"
                }
            apply_entries = ssa.record_update(
                base,
                new,
                node=rt.root(version),
                entries=entries,
                manager=opts.manager,
                api_version=rt.api_version(version),
                now=self.now(),
                subresource=opts.subresource,
                keep=ssa.keep_for(rt, opts.subresource),
            )
        managed = encode(apply_entries)
        if managed:
            m["managedFields"] = managed
        else:
            m.pop("managedFields", None)
        if old is not None:
            m["resourceVersion"] = old["metadata"].get("resourceVersion")
            if new == old:
                return at_version(rt, old, version)
            if m.get("deletionTimestamp") and not m.get("finalizers") and rt.kind != "Namespace":
                return lifecycle.finalize(self, rt, old, dry_run=opts.dry_run)
        if opts.dry_run:
            if old is None:
                m.pop("resourceVersion", None)
            return at_version(rt, new, version)
        rv = self.store.next_rv()
        m["resourceVersion"] = str(rv)
        self.store.put(
            (rt.group, rt.plural), new, event="ADDED" if old is None else "MODIFIED", rv=rv
        )
        lifecycle.after_write(self, rt, old, new)
        stored = self.store.get((rt.group, rt.plural), m.get("namespace", ""), m["name"])
        return at_version(rt, stored or new, version)
