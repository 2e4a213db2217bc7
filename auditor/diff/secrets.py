"""Secret handling: `stringData` folded into base64 `data`, and values masked for output.

A masked value reads `<secret sha256:1a2b3c4d>`: a short HMAC-SHA256 under the install's
key (`use_key`, set once at start from the data directory or the environment), so a
changed value is visible and the same value masks the same in every run, but a reader of
a report cannot confirm a guessed password offline. Annotations that embed a Secret
(its `last-applied-configuration`) are masked on any object. Called by the normalizer
(folding) and the result builders.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from auditor.diff.paths import MISSING, Field, Path

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_DATA_FIELDS = ("data", "stringData")
_DATA_PATHS = (Field("data"), Field("stringData"))
_LAST_APPLIED_PATH = (Field("metadata"), Field("annotations"), Field(LAST_APPLIED))
_ANNOTATIONS = (Field("metadata"), Field("annotations"))
# The install's masking key; the one process-wide setting of this stage, set at start.
_KEY = {"value": b""}


def use_key(key: bytes) -> None:
    """Mask with `key` from now on (the install's key: stable across runs)."""
    _KEY["value"] = key


def key_fingerprint() -> str:
    """A hash of the masking key in use (what the masks depend on), never the key."""
    return hashlib.sha256(b"mask-key:" + _KEY["value"]).hexdigest()[:16]


def is_secret(obj: Mapping[str, Any] | None) -> bool:
    if not obj:
        return False
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    return obj.get("kind") == "Secret" and group == ""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def fold_string_data(obj: dict[str, Any]) -> None:
    """Merge `stringData` into `data` as the API server does; tolerant of invalid values."""
    string_data = obj.pop("stringData", None)
    if not isinstance(string_data, Mapping):
        return
    data = obj.get("data")
    merged: dict[str, Any] = dict(data) if isinstance(data, Mapping) else {}
    for key, value in string_data.items():
        merged[str(key)] = base64.b64encode(_text(value).encode()).decode()
    obj["data"] = merged


def mask(value: Any) -> str:
    digest = hmac.new(_KEY["value"], _text(value).encode(), hashlib.sha256).hexdigest()[:8]
    return f"<secret sha256:{digest}>"


def embeds_secret(value: Any) -> bool:
    """An annotation value that holds a Secret (or a List with one), as JSON."""
    if not isinstance(value, str) or '"Secret"' not in value:
        return False
    try:
        doc = json.loads(value)
    except ValueError:
        return False
    items = doc.get("items") if isinstance(doc, Mapping) else None
    return is_secret(doc) or (
        isinstance(items, list) and any(isinstance(i, Mapping) and is_secret(i) for i in items)
    )


def masked(obj: Any) -> Any:
    """What any object shows: a Secret masked, another with its Secret annotations masked."""
    if not isinstance(obj, Mapping):
        return obj
    if is_secret(obj):
        return mask_object(obj)
    meta = obj.get("metadata")
    notes = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(notes, Mapping) or not any(embeds_secret(v) for v in notes.values()):
        return obj
    hidden = {k: mask(v) if embeds_secret(v) else v for k, v in notes.items()}
    return {**obj, "metadata": {**meta, "annotations": hidden}}  # type: ignore[dict-item]


def shown_value(path: Path, value: Any, *, secret: bool) -> Any:
    """A value at `path` as output shows it: a Secret's masked, and on any object an
    annotation that embeds a Secret (or the annotations map holding one)."""
    if secret:
        return mask_value(path, value)
    if path[:2] == _ANNOTATIONS and len(path) == 3 and embeds_secret(value):
        return mask(value)
    if path == _ANNOTATIONS and isinstance(value, Mapping):
        return masked({"metadata": {"annotations": value}})["metadata"]["annotations"]
    if path == _ANNOTATIONS[:1] and isinstance(value, Mapping):
        return masked({"metadata": value})["metadata"]
    return value


def mask_value(path: Path, value: Any) -> Any:
    """Mask what a Secret holds at `path`: data values, and the last-applied annotation."""
    if value is None or value is MISSING:
        return value
    if not path:
        return mask_object(value)
    if path[0] in _DATA_PATHS:
        if len(path) == 1 and isinstance(value, Mapping):
            return {k: None if v is None else mask(v) for k, v in value.items()}
        return mask(value)
    if path[:3] == _LAST_APPLIED_PATH:
        return mask(value)
    if path in (_LAST_APPLIED_PATH[:1], _LAST_APPLIED_PATH[:2]) and isinstance(value, Mapping):
        return _mask_metadata(value, annotations=len(path) == 2)
    return value


def _mask_metadata(value: Mapping[str, Any], *, annotations: bool) -> dict[str, Any]:
    out = dict(value)
    if annotations:
        if LAST_APPLIED in out:
            out[LAST_APPLIED] = mask(out[LAST_APPLIED])
    elif isinstance(out.get("annotations"), Mapping):
        out["annotations"] = _mask_metadata(out["annotations"], annotations=True)
    return out


def mask_object(obj: Any) -> Any:
    """A copy of a Secret with every data value and the last-applied annotation masked."""
    if not isinstance(obj, Mapping):
        return obj
    out = dict(obj)
    for name in _DATA_FIELDS:
        if isinstance(out.get(name), Mapping):
            out[name] = {k: None if v is None else mask(v) for k, v in out[name].items()}
    if isinstance(out.get("metadata"), Mapping):
        out["metadata"] = _mask_metadata(out["metadata"], annotations=False)
    return out
