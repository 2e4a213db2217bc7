"""OpenAPI documents built from the definitions: v3 per group-version (what kubectl apply,
explain and diff read), the v3 index, and a v2 JSON document for older clients.

Schemas are converted back from the JSON-Schema form `kubernetes-validate` ships
(`$defs`, nullable type lists, `oneOf` int-or-string) to the form the API server serves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from auditor.kubemeta.media import PATCH_TYPES
from auditor.kubemeta.schema import OBJECT_META, load_definitions, type_names
from auditor.kubesim.resources import ResourceType

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_BASE_DEFS = [
    _META + n for n in ("Status", "DeleteOptions", "Patch", "WatchEvent", "APIResourceList")
]
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_WRITE_CONTENT = ("application/json", "application/yaml")
_PATCH_CONTENT = PATCH_TYPES


def convert(schema: Any, prefix: str) -> Any:
    """A `$defs` JSON-Schema fragment as an OpenAPI schema with refs under `prefix`."""
    if not isinstance(schema, Mapping):
        return schema
    if "oneOf" in schema and not schema.get("properties"):
        return {"type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True}
    out: dict[str, Any] = {}
    ref = schema.get("$ref")
    for key, value in schema.items():
        if key == "$ref":
            continue
        if key == "type":
            types = type_names(schema)
            if types:
                out["type"] = sorted(types)[0]
        elif key == "properties":
            out["properties"] = {name: convert(prop, prefix) for name, prop in value.items()}
            for name in ("apiVersion", "kind"):
                out["properties"].get(name, {}).pop("enum", None)
        elif key in ("items", "additionalProperties"):
            out[key] = convert(value, prefix) if isinstance(value, Mapping) else value
        else:
            out[key] = value
    if isinstance(ref, str):
        target = prefix + ref.split("/")[-1]
        if out:
            out["allOf"] = [{"$ref": target}]
        else:
            out["$ref"] = target
    return out


def _refs(schema: Any, found: set[str]) -> None:
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            found.add(ref.split("/")[-1])
        for v in schema.values():
            _refs(v, found)
    elif isinstance(schema, list):
        for v in schema:
            _refs(v, found)


def closure(names: Iterable[str]) -> list[str]:
    defs = load_definitions()
    seen: set[str] = set()
    todo = [n for n in names if n in defs]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        found: set[str] = set()
        _refs(defs[name], found)
        todo.extend(found - seen)
    return sorted(seen)


def custom_schema_name(rt: ResourceType, version: str) -> str:
    reversed_group = ".".join(reversed(rt.group.split(".")))
    return f"{reversed_group}.{version}.{rt.kind}"


def _custom_schema(rt: ResourceType, version: str, prefix: str) -> dict[str, Any]:
    raw = rt.crd_version(version).get("schema", {}).get("openAPIV3Schema") or {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
    }
    out: dict[str, Any] = json.loads(json.dumps(raw))
    props = out.setdefault("properties", {})
    props["metadata"] = {
        "allOf": [{"$ref": prefix + OBJECT_META}],
        "description": "Standard object's metadata.",
    }
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    out["x-kubernetes-group-version-kind"] = [
        {"group": rt.group, "version": version, "kind": rt.kind}
    ]
    return out


def _params(names: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True} for n in names
    ]


def _op(
    action: str, gvk: Mapping[str, str], schema_ref: str, *, body: tuple[str, ...] = ()
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{action}{gvk['kind']}",
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": schema_ref}}},
            }
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": dict(gvk),
    }
    if action in ("patch", "put", "post"):
        op["parameters"] = _params(
            ("dryRun", "fieldManager", "fieldValidation", "force")[: 4 if action == "patch" else 3]
        )
    if body:
        op["requestBody"] = {
            "content": {ct: {"schema": {"type": "object"}} for ct in body},
            "required": True,
        }
    return op


def _paths(rt: ResourceType, version: str, schema_ref: str) -> dict[str, Any]:
    base = f"/api/{version}" if not rt.group else f"/apis/{rt.group}/{version}"
    gvk = {"group": rt.group, "version": version, "kind": rt.kind}
    collection = (
        f"{base}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{base}/{rt.plural}"
    )
    patch_types = (
        _PATCH_CONTENT
        if not rt.is_custom
        else tuple(c for c in _PATCH_CONTENT if "strategic" not in c)
    )
    item_ops = {
        "get": _op("get", gvk, schema_ref),
        "put": _op("put", gvk, schema_ref, body=_WRITE_CONTENT),
        "patch": _op("patch", gvk, schema_ref, body=patch_types),
        "delete": _op("delete", gvk, schema_ref),
    }
    paths: dict[str, Any] = {
        collection: {
            "get": _op("list", gvk, schema_ref),
            "post": _op("post", gvk, schema_ref, body=_WRITE_CONTENT),
        },
        f"{collection}/{{name}}": item_ops,
    }
    for sub in rt.subresources:
        paths[f"{collection}/{{name}}/{sub}"] = {
            "get": _op("get", gvk, schema_ref),
            "put": _op("put", gvk, schema_ref, body=_WRITE_CONTENT),
            "patch": _op("patch", gvk, schema_ref, body=patch_types),
        }
    return paths


def v3_document(group: str, version: str, types: Iterable[ResourceType]) -> dict[str, Any]:
    """The `/openapi/v3/apis/<group>/<version>` document."""
    prefix = "#/components/schemas/"
    defs = load_definitions()
    wanted = list(_BASE_DEFS)
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for rt in types:
        if rt.is_custom:
            name = custom_schema_name(rt, version)
            schemas[name] = _custom_schema(rt, version, prefix)
            wanted.append(OBJECT_META)
        else:
            assert rt.definition is not None
            name = rt.definition
            wanted.extend([name, f"{name}List"])
        paths.update(_paths(rt, version, prefix + name))
    if not group:
        wanted.append("io.k8s.api.autoscaling.v1.Scale")
    for name in closure(wanted):
        schemas[name] = convert(defs[name], prefix)
    for name in (_INT_OR_STRING, _QUANTITY):
        if name in schemas:
            schemas[name] = {
                "type": "string",
                "format": "int-or-string" if name == _INT_OR_STRING else "",
            }
            if name == _QUANTITY:
                schemas[name].pop("format")
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubesim, simulated)", "version": "v1.37.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def doc_hash(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32].upper()


def v2_document(types: Iterable[ResourceType]) -> dict[str, Any]:
    """A Swagger 2.0 document (JSON) of the built-in and custom kinds."""
    prefix = "#/definitions/"
    defs = load_definitions()
    definitions: dict[str, Any] = {}
    wanted = list(_BASE_DEFS)
    for rt in types:
        if rt.is_custom:
            for v in rt.served_versions:
                definitions[custom_schema_name(rt, v)] = _custom_schema(rt, v, prefix)
            wanted.append(OBJECT_META)
        elif rt.definition:
            wanted.append(rt.definition)
    for name in closure(wanted):
        definitions[name] = convert(defs[name], prefix)
    definitions[_INT_OR_STRING] = {"type": "string", "format": "int-or-string"}
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes (kubesim, simulated)", "version": "v1.37.0"},
        "paths": {},
        "definitions": definitions,
    }
