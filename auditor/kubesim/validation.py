"""Light validation of objects: names, schema-required fields, a few kind rules, and
unknown-field pruning (reported per `fieldValidation`: Strict fails, Warn warns).

Raises `ApiError` 422 (Invalid) with `details.causes` naming each field, as the server does.
"""

from __future__ import annotations

import re
from typing import Any

from auditor.kubemeta.schema import Node
from auditor.kubesim.errors import ApiError, bad_request, invalid
from auditor.kubesim.resources import ResourceType
from auditor.kubesim.selectors import labels_match, selector_from_label_selector

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_LABEL_NAMED = frozenset({"Namespace", "Service"})
_WORKLOADS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
Cause = tuple[str, str, str]


def check_name(name: str, rt: ResourceType) -> list[Cause]:
    if rt.group == "rbac.authorization.k8s.io":
        if name in (".", "..") or "/" in name or "%" in name:
            return [("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}"')]
        return []
    if rt.kind in _LABEL_NAMED:
        if len(name) > 63 or not _LABEL.match(name):
            return [
                ("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {_LABEL_MSG}')
            ]
        return []
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        return [
            ("FieldValueInvalid", "metadata.name", f'Invalid value: "{name}": {_SUBDOMAIN_MSG}')
        ]
    return []


def _required(value: Any, node: Node | None, path: str, out: list[Cause]) -> None:
    if node is None or value is None:
        return
    if isinstance(value, dict) and node.kind == "struct":
        for req in node.required:
            if req not in value:
                out.append(("FieldValueRequired", f"{path}.{req}".lstrip("."), "Required value"))
        for key, sub in value.items():
            if node.has_field(key):
                _required(sub, node.field(key), f"{path}.{key}", out)
    elif isinstance(value, list) and node.kind == "list":
        for i, item in enumerate(value):
            _required(item, node.element(), f"{path}[{i}]", out)
    elif isinstance(value, dict) and node.kind == "map":
        for key, sub in value.items():
            _required(sub, node.element(), f"{path}[{key}]", out)


def _workload(rt: ResourceType, obj: dict[str, Any], out: list[Cause]) -> None:
    spec = obj.get("spec") or {}
    template = spec.get("template") or {}
    if "selector" not in spec or spec["selector"] is None:
        out.append(("FieldValueRequired", "spec.selector", "Required value"))
    else:
        labels = (template.get("metadata") or {}).get("labels") or {}
        try:
            reqs = selector_from_label_selector(spec["selector"])
        except ApiError:
            reqs = []
        if not reqs:
            out.append(("FieldValueInvalid", "spec.selector", "Invalid value: empty selector"))
        elif not labels_match(reqs, labels):
            shown = ", ".join(f'"{k}":"{v}"' for k, v in labels.items())
            out.append(
                (
                    "FieldValueInvalid",
                    "spec.template.metadata.labels",
                    f"Invalid value: map[string]string{{{shown}}}: "
                    "`selector` does not match template `labels`",
                )
            )


def _containers(spec: Any, path: str, out: list[Cause]) -> None:
    if not isinstance(spec, dict):
        return
    containers = spec.get("containers")
    if not containers:
        out.append(("FieldValueRequired", f"{path}.containers", "Required value"))
        return
    for i, c in enumerate(containers):
        if isinstance(c, dict) and not c.get("image"):
            out.append(("FieldValueRequired", f"{path}.containers[{i}].image", "Required value"))


def validate(rt: ResourceType, obj: dict[str, Any], *, node: Node) -> None:
    """Raise 422 Invalid when the object breaks a rule the real server enforces."""
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    causes: list[Cause] = []
    if not name:
        causes.append(
            (
                "FieldValueRequired",
                "metadata.name",
                "Required value: name or generateName is required",
            )
        )
    else:
        causes.extend(check_name(name, rt))
    for key, sub in obj.items():
        if key not in ("status", "metadata") and node.has_field(key):
            _required(sub, node.field(key), key, causes)
    spec = obj.get("spec") or {}
    if not rt.is_custom and rt.kind in _WORKLOADS:
        _workload(rt, obj, causes)
        _containers((spec.get("template") or {}).get("spec"), "spec.template.spec", causes)
    elif not rt.is_custom and rt.kind == "Pod":
        _containers(spec, "spec", causes)
    elif not rt.is_custom and rt.kind == "Job":
        pod_spec = (spec.get("template") or {}).get("spec") or {}
        _containers(pod_spec, "spec.template.spec", causes)
        if pod_spec.get("restartPolicy") not in ("OnFailure", "Never"):
            causes.append(
                (
                    "FieldValueRequired",
                    "spec.template.spec.restartPolicy",
                    'Required value: valid values: "OnFailure", "Never"',
                )
            )
    if causes:
        seen: dict[tuple[str, str], Cause] = {(c[1], c[2]): c for c in causes}
        raise invalid(rt.group, rt.kind, name, list(seen.values()))


_BASE64 = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_BYTES_FIELDS = {("", "Secret"): "data", ("", "ConfigMap"): "binaryData"}


def base64_error(text: str) -> int | None:
    """Where Go's `base64.StdEncoding` (the API server's `[]byte` decoding) fails on
    `text`, as its "illegal base64 data at input byte N"; None when it decodes. Line
    breaks are skipped, padding is required, nothing may follow it."""
    raw = text.encode()
    quantum = 0  # characters of the current 4-character group, padding included
    padded = False
    for i, byte in enumerate(raw):
        if byte in b"\r\n":
            continue
        if padded and byte != ord("="):
            return i
        if byte == ord("="):
            if quantum < 2:
                return i
            padded = True
        elif byte not in _BASE64:
            return i
        quantum = (quantum + 1) % 4
        if padded and quantum == 0:
            padded = False  # the group is complete; only an end or line breaks may follow
            rest = raw[i + 1 :].strip(b"\r\n")
            return i + 1 if rest else None
    return len(raw) if quantum else None


def check_bytes(rt: ResourceType, obj: dict[str, Any]) -> None:
    """Raise 400 as the server's decoding does when a `[]byte` field (a Secret's `data`,
    a ConfigMap's `binaryData`) holds a value that is not base64."""
    field = None if rt.is_custom else _BYTES_FIELDS.get((rt.group, rt.kind))
    values = obj.get(field) if field else None
    if not isinstance(values, dict):
        return
    for value in values.values():
        at = base64_error(value) if isinstance(value, str) else 0
        if at is not None:
            raise bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"illegal base64 data at input byte {at}"
            )


def prune_unknown(value: Any, node: Node | None, path: str = "") -> list[str]:
    """Drop fields the schema does not declare (in place); returns their paths."""
    found: list[str] = []
    if node is None or node.preserves_unknown:
        return found
    if isinstance(value, dict) and node.kind == "struct":
        for key in list(value):
            sub_path = f"{path}.{key}" if path else key
            if not node.has_field(key):
                found.append(sub_path)
                del value[key]
            else:
                found.extend(prune_unknown(value[key], node.field(key), sub_path))
    elif isinstance(value, dict) and node.kind == "map":
        for key, sub in value.items():
            found.extend(prune_unknown(sub, node.element(), f"{path}[{key}]"))
    elif isinstance(value, list) and node.kind == "list":
        for i, item in enumerate(value):
            found.extend(prune_unknown(item, node.element(), f"{path}[{i}]"))
    return found
