"""Kubernetes type metadata from the OpenAPI definitions shipped by `kubernetes-validate`.

`load_definitions()` reads `v1.37.0-local/_definitions.json` once (memoised, immutable
afterwards); `Node` is a lazy, typed view of one schema position (struct, map, list, scalar)
with its list type, map keys, map type and patch strategy. Custom resources get `Node`s over
their CRD's `openAPIV3Schema`, sharing the built-in definitions for `metadata`.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

KUBE_VERSION = "v1.37.0"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
NodeKind = Literal["struct", "map", "list", "scalar", "any"]
_REF_PREFIX = "#/$defs/"


def definitions_path() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        raise RuntimeError("the kubernetes-validate package is not installed")
    base = Path(spec.origin).parent / "kubernetes-json-schema"
    return base / f"{KUBE_VERSION}-local" / "_definitions.json"


@functools.cache
def load_definitions() -> Mapping[str, Any]:
    """All named definitions (`$defs`), read once per process; never mutated."""
    with definitions_path().open("rb") as fh:
        data = json.load(fh)
    defs: Mapping[str, Any] = data["$defs"]
    return defs


def type_names(raw: Mapping[str, Any]) -> set[str]:
    t = raw.get("type")
    if t is None:
        return set()
    if isinstance(t, str):
        return {t}
    return {x for x in t if x != "null"}


class Node:
    """One position in a schema: resolves `$ref`, merging the referring site's extensions."""

    __slots__ = ("raw", "_defs", "_fields", "_elem", "kind")

    def __init__(self, raw: Mapping[str, Any], defs: Mapping[str, Any]) -> None:
        ref = raw.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            target = defs.get(ref[len(_REF_PREFIX) :], {})
            merged = dict(target)
            merged.update({k: v for k, v in raw.items() if k not in ("$ref", "description")})
            raw = merged
        self.raw: Mapping[str, Any] = raw
        self._defs = defs
        self._fields: dict[str, Node | None] = {}
        self._elem: Node | None = None
        self.kind: NodeKind = _kind_of(raw)

    @classmethod
    def for_definition(cls, name: str, defs: Mapping[str, Any]) -> Node:
        return cls({"$ref": _REF_PREFIX + name}, defs)

    def field(self, name: str) -> Node | None:
        """The node of a struct field, or the value node of a map; None when unknown."""
        if name in self._fields:
            return self._fields[name]
        node: Node | None = None
        props = self.raw.get("properties")
        if isinstance(props, Mapping) and name in props:
            node = Node(props[name], self._defs)
        elif self.kind == "map":
            node = self.element()
        self._fields[name] = node
        return node

    def element(self) -> Node | None:
        """Items of a list or values of a map."""
        if self._elem is None:
            sub = self.raw.get("items") if self.kind == "list" else None
            if self.kind == "map":
                sub = self.raw.get("additionalProperties")
            if isinstance(sub, Mapping):
                self._elem = Node(sub, self._defs)
        return self._elem

    def has_field(self, name: str) -> bool:
        props = self.raw.get("properties")
        return isinstance(props, Mapping) and name in props

    @property
    def list_type(self) -> str:
        """`map`, `set` or `atomic` (the SSA view, falling back to the patch strategy)."""
        lt = self.raw.get("x-kubernetes-list-type")
        if isinstance(lt, str):
            return lt
        if "merge" in self.patch_strategy and self.patch_merge_key:
            return "map"
        return "atomic"

    @property
    def list_keys(self) -> list[str]:
        keys = self.raw.get("x-kubernetes-list-map-keys")
        if isinstance(keys, list) and keys:
            return [str(k) for k in keys]
        key = self.patch_merge_key
        return [key] if key else []

    @property
    def map_atomic(self) -> bool:
        return self.raw.get("x-kubernetes-map-type") == "atomic"

    @property
    def patch_strategy(self) -> str:
        return str(self.raw.get("x-kubernetes-patch-strategy", ""))

    @property
    def patch_merge_key(self) -> str:
        return str(self.raw.get("x-kubernetes-patch-merge-key", ""))

    @property
    def preserves_unknown(self) -> bool:
        return bool(self.raw.get("x-kubernetes-preserve-unknown-fields"))

    @property
    def required(self) -> list[str]:
        req = self.raw.get("required")
        return [str(r) for r in req] if isinstance(req, list) else []

    @property
    def default(self) -> Any:
        return self.raw.get("default")


def _kind_of(raw: Mapping[str, Any]) -> NodeKind:
    if raw.get("x-kubernetes-int-or-string") or "oneOf" in raw or "anyOf" in raw:
        return "scalar"
    types = type_names(raw)
    if "array" in types:
        return "list"
    if "object" in types or "properties" in raw:
        if "properties" in raw:
            return "struct"
        if isinstance(raw.get("additionalProperties"), Mapping):
            return "map"
        return "any"
    if types:
        return "scalar"
    return "any"


def crd_root(schema: Mapping[str, Any] | None, defs: Mapping[str, Any]) -> Node:
    """A `Node` over a CRD version's `openAPIV3Schema`, with `metadata` typed as ObjectMeta."""
    raw = dict(schema or {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    props = dict(raw.get("properties") or {})
    props["metadata"] = {"$ref": _REF_PREFIX + OBJECT_META}
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    raw["properties"] = props
    raw.setdefault("type", "object")
    return Node(raw, defs)


OPENAPI_V3_REF = "#/components/schemas/"


def definitions_from_openapi(schemas: Mapping[str, Any]) -> dict[str, Any]:
    """OpenAPI v3 `components.schemas`, as an API server serves them under
    `/openapi/v3/apis/<group>/<version>`, in the shape `Node` reads: `#/components/schemas/`
    references rewritten to definitions, `allOf: [{$ref}]` wrappers (how v3 attaches a
    default or description to a reference) unwrapped."""
    return {str(name): _from_v3(schema) for name, schema in schemas.items()}


def _from_v3(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_v3(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out = {k: _from_v3(v) for k, v in value.items() if k != "allOf"}
    wrapped = value.get("allOf")
    if isinstance(wrapped, list) and len(wrapped) == 1 and isinstance(wrapped[0], Mapping):
        ref = wrapped[0].get("$ref")
        if isinstance(ref, str) and "$ref" not in out:
            out["$ref"] = ref
        else:
            out["allOf"] = _from_v3(wrapped)
    elif wrapped is not None:
        out["allOf"] = _from_v3(wrapped)
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(OPENAPI_V3_REF):
        out["$ref"] = _REF_PREFIX + ref[len(OPENAPI_V3_REF) :]
    return out


@functools.cache
def builtin_api_versions() -> tuple[str, ...]:
    """The API versions a Kubernetes of the shipped definitions serves by default
    (`group/version` and `group/version/Kind` of every listable GA kind):
    Helm's capabilities when no cluster is read."""
    kinds: dict[str, set[str]] = {}
    for schema in load_definitions().values():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            group, version = str(gvk.get("group") or ""), str(gvk.get("version") or "")
            if "alpha" in version or "beta" in version:  # off by default on a cluster
                continue
            gv = f"{group}/{version}" if group else version
            kinds.setdefault(gv, set()).add(str(gvk.get("kind") or ""))
    out: list[str] = []
    for gv, found in sorted(kinds.items()):
        listable = sorted(k for k in found if f"{k}List" in found)
        if listable:
            out.append(gv)
            out += [f"{gv}/{k}" for k in listable]
    return tuple(out)
