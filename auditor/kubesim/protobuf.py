"""Decoding of the Kubernetes protobuf envelope for the few kinds kubectl's typed
`create` commands send that way (Namespace, ConfigMap, Secret, ServiceAccount).

Field numbers are wire-format facts from Kubernetes' `generated.proto` (the OpenAPI
definitions do not carry them). Zero values are dropped, as Go's `omitempty` JSON would.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from auditor.kubesim import errors

MAGIC = b"k8s\x00"
Spec = dict[int, tuple[str, str]]  # field number -> (json name, type)

_MESSAGES: dict[str, Spec] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "raw")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": {
        1: ("name", "string"),
        2: ("generateName", "string"),
        3: ("namespace", "string"),
        5: ("uid", "string"),
        6: ("resourceVersion", "string"),
        7: ("generation", "int"),
        8: ("creationTimestamp", "time"),
        11: ("labels", "map<string>"),
        12: ("annotations", "map<string>"),
        13: ("ownerReferences", "[OwnerReference]"),
        14: ("finalizers", "[string]"),
    },
    "OwnerReference": {
        1: ("kind", "string"),
        3: ("name", "string"),
        4: ("uid", "string"),
        5: ("apiVersion", "string"),
        6: ("controller", "bool"),
        7: ("blockOwnerDeletion", "bool"),
    },
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec")},
    "NamespaceSpec": {1: ("finalizers", "[string]")},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map<string>"),
        3: ("binaryData", "map<bytes>"),
        4: ("immutable", "bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map<bytes>"),
        3: ("type", "string"),
        4: ("stringData", "map<string>"),
        5: ("immutable", "bool"),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"),
        2: ("secrets", "[ObjectReference]"),
        3: ("imagePullSecrets", "[LocalObjectReference]"),
        4: ("automountServiceAccountToken", "bool"),
    },
    "ObjectReference": {
        1: ("kind", "string"),
        2: ("namespace", "string"),
        3: ("name", "string"),
        4: ("uid", "string"),
        5: ("apiVersion", "string"),
    },
    "LocalObjectReference": {1: ("name", "string")},
    "MapEntry": {1: ("key", "string"), 2: ("value", "bytes")},
    "Time": {1: ("seconds", "int"), 2: ("nanos", "int")},
}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def _message(data: bytes, name: str) -> dict[str, Any]:
    spec = _MESSAGES[name]
    out: dict[str, Any] = {}
    for number, raw in _fields(data):
        if number not in spec:
            continue
        field, kind = spec[number]
        value = _value(raw, kind.strip("[]"))
        if kind.startswith("map<"):
            entry = _message(bytes(raw), "MapEntry") if isinstance(raw, bytes) else {}
            key = str(entry.get("key", ""))
            payload = entry.get("value", b"")
            text = payload if isinstance(payload, bytes) else b""
            out.setdefault(field, {})[key] = (
                base64.b64encode(text).decode() if kind == "map<bytes>" else text.decode()
            )
        elif kind.startswith("["):
            out.setdefault(field, []).append(value)
        elif value not in ("", 0, False, {}, None):
            out[field] = value
    return out


def _value(raw: int | bytes, kind: str) -> Any:
    if kind == "int":
        return raw if isinstance(raw, int) else 0
    if kind == "bool":
        return bool(raw)
    if not isinstance(raw, bytes):
        return None
    if kind in ("string",):
        return raw.decode()
    if kind in ("bytes", "raw") or kind.startswith("map<"):
        return raw
    if kind == "time":
        t = _message(raw, "Time")
        if not t.get("seconds"):
            return None
        return datetime.fromtimestamp(t["seconds"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _message(raw, kind)


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf-encoded object as its JSON form; 415 for kinds we cannot decode."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("protobuf body without the k8s envelope")
    try:
        envelope = _message(body[len(MAGIC) :], "Unknown")
        type_meta = envelope.get("typeMeta") or {}
        kind = str(type_meta.get("kind", ""))
        if kind not in _MESSAGES or kind in ("Unknown", "TypeMeta", "MapEntry", "Time"):
            raise errors.unsupported_media_type(f"application/vnd.kubernetes.protobuf ({kind})")
        raw = envelope.get("raw", b"")
        obj = _message(raw if isinstance(raw, bytes) else b"", kind)
    except ValueError as exc:
        raise errors.bad_request(f"invalid protobuf body: {exc}") from exc
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": kind, **obj}
