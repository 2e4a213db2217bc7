"""Strategic merge patch as the API server applies it, driven by the schema's metadata.

Lists merge by `x-kubernetes-patch-merge-key` where the strategy says `merge`; directives
`$patch` (replace/delete/merge), `$retainKeys`, `$setElementOrder/<f>` and
`$deleteFromPrimitiveList/<f>` are honoured, as kubectl sends them.
"""

from __future__ import annotations

import copy
from typing import Any

from auditor.kubemeta.schema import Node
from auditor.kubesim.patches import PatchError

_DIRECTIVE = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


def strategic_merge_patch(original: Any, patch: Any, node: Node | None) -> Any:
    if not isinstance(patch, dict):
        raise PatchError("a strategic merge patch must be a JSON object")
    result = _merge_map(copy.deepcopy(original) if isinstance(original, dict) else {}, patch, node)
    return {} if result is None else result


def _child(node: Node | None, key: str) -> Node | None:
    return node.field(key) if node is not None else None


def _merge_map(original: dict[str, Any], patch: dict[str, Any], node: Node | None) -> Any:
    directive = patch.get(_DIRECTIVE)
    if directive == "replace":
        return clean(patch)
    if directive == "delete":
        return None
    if directive not in (None, "merge"):
        raise PatchError(f"Unknown patch type: {directive}")
    if _RETAIN in patch:
        retain = patch[_RETAIN]
        if not isinstance(retain, list):
            raise PatchError("$retainKeys must be a list")
        original = {k: v for k, v in original.items() if k in retain}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in (_DIRECTIVE, _RETAIN):
            continue
        if key.startswith(_ORDER):
            orders[key[len(_ORDER) :]] = value if isinstance(value, list) else []
            continue
        if key.startswith(_DELETE_PRIMITIVE):
            field = key[len(_DELETE_PRIMITIVE) :]
            drop = value if isinstance(value, list) else []
            if isinstance(original.get(field), list):
                original[field] = [x for x in original[field] if x not in drop]
            continue
        if value is None:
            original.pop(key, None)
            continue
        sub = _child(node, key)
        current = original.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged = _merge_map(current, value, sub)
            if merged is None:
                original.pop(key, None)
            else:
                original[key] = merged
        elif isinstance(value, list) and isinstance(current, list):
            original[key] = _merge_list(current, value, sub)
        elif isinstance(value, dict) and value.get(_DIRECTIVE) == "delete":
            original.pop(key, None)
        else:
            original[key] = clean(value)
    for field, order in orders.items():
        if isinstance(original.get(field), list):
            original[field] = _reorder(original[field], order, _child(node, field))
    return original


def _merge_list(original: list[Any], patch: list[Any], node: Node | None) -> list[Any]:
    if any(isinstance(x, dict) and x.get(_DIRECTIVE) == "replace" for x in patch):
        return [clean(x) for x in patch if not (isinstance(x, dict) and _DIRECTIVE in x)]
    strategy = node.patch_strategy if node is not None else ""
    if "merge" not in strategy:
        return [clean(x) for x in patch]
    key = node.patch_merge_key if node is not None else ""
    elem = node.element() if node is not None else None
    if not key:
        out = list(original)
        out.extend(x for x in patch if x not in original)
        return out
    out = list(original)
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"merging an object in a list requires a {key} key")
        if item.get(_DIRECTIVE) == "delete":
            out = [x for x in out if not (isinstance(x, dict) and x.get(key) == item.get(key))]
            continue
        if key not in item:
            raise PatchError(f"map: {item} does not contain declared merge key: {key}")
        for i, existing in enumerate(out):
            if isinstance(existing, dict) and existing.get(key) == item[key]:
                merged = _merge_map(existing, item, elem)
                if merged is None:
                    del out[i]
                else:
                    out[i] = merged
                break
        else:
            out.append(clean(item))
    return out


def _reorder(items: list[Any], order: list[Any], node: Node | None) -> list[Any]:
    key = node.patch_merge_key if node is not None else ""

    def ident(x: Any) -> Any:
        return x.get(key) if key and isinstance(x, dict) else x

    wanted = [ident(x) for x in order]
    mentioned = [x for w in wanted for x in items if ident(x) == w]
    queue = iter(mentioned)
    out = []
    for item in items:
        out.append(next(queue) if ident(item) in wanted else item)
    return out


def clean(value: Any) -> Any:
    """A patch value without its directives (as stored when nothing merges with it)."""
    if isinstance(value, dict):
        return {
            k: clean(v)
            for k, v in value.items()
            if k not in (_DIRECTIVE, _RETAIN)
            and not k.startswith(_ORDER)
            and not k.startswith(_DELETE_PRIMITIVE)
        }
    if isinstance(value, list):
        return [
            clean(x)
            for x in value
            if not (isinstance(x, dict) and x.get(_DIRECTIVE) in ("delete", "replace"))
        ]
    return value
