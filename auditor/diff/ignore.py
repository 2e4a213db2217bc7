"""Argo CD `ignoreDifferences` and the built-in exceptions, as paths removed before comparing.

Entries match by group and kind (globs, as Argo CD), optional name and namespace; their
`jsonPointers` (RFC 6901) and `jqPathExpressions` are resolved on each object, their
`managedFieldsManagers` through the live managedFields. Built-ins: an HPA target's
`spec.replicas`, and an injected webhook `caBundle` that Git does not set.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jq

from auditor.diff.managed import Ownership
from auditor.diff.options import DiffOptions
from auditor.diff.paths import MISSING, Field, Index, Path, Segment, key_of, lookup
from auditor.diff.schema import child, element, list_shape
from auditor.diff.values import is_empty
from auditor.kubemeta.schema import Node
from auditor.model import ResourceKey

_WEBHOOK_KINDS = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")


def matching_rules(rules: Sequence[Mapping[str, Any]], key: ResourceKey) -> list[Mapping[str, Any]]:
    """The ignoreDifferences entries that apply to a resource."""
    out = []
    for rule in rules:
        group = str(rule.get("group") or "")
        kind = str(rule.get("kind") or "")
        if not kind or not fnmatch.fnmatchcase(key.group, group):
            continue
        if not fnmatch.fnmatchcase(key.kind, kind):
            continue
        if rule.get("name") and rule["name"] != key.name:
            continue
        if rule.get("namespace") and rule["namespace"] != key.namespace:
            continue
        out.append(rule)
    return out


def ignored_paths(
    rules: Sequence[Mapping[str, Any]],
    objects: Sequence[Any],
    *,
    node: Node | None,
    ownership: Ownership,
) -> list[Path]:
    """Paths (in keyed form) that the rules ignore in any of `objects`."""
    out: list[Path] = []
    for rule in rules:
        for obj in objects:
            if not isinstance(obj, Mapping):
                continue
            for pointer in rule.get("jsonPointers") or ():
                raw = _pointer(str(pointer))
                if raw is not None:
                    out.append(keyed(obj, raw, node=node))
            for expr in rule.get("jqPathExpressions") or ():
                out.extend(keyed(obj, raw, node=node) for raw in _jq_paths(str(expr), obj))
        managers = rule.get("managedFieldsManagers") or ()
        out.extend(ownership.leaf_paths(str(m) for m in managers))
    return [p for p in out if p]


def _pointer(pointer: str) -> list[str | int] | None:
    if pointer == "":
        return None
    if not pointer.startswith("/"):
        return None
    tokens = pointer[1:].split("/")
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


@functools.lru_cache(maxsize=256)
def _jq_program(expr: str) -> Any:
    return jq.compile(f"[path({expr})]")


def _jq_paths(expr: str, obj: Mapping[str, Any]) -> list[list[str | int]]:
    try:
        found = _jq_program(expr).input_value(obj).first()
    except ValueError:
        return []
    return [p for p in found or [] if isinstance(p, list)]


def keyed(obj: Any, raw: Sequence[str | int], *, node: Node | None) -> Path:
    """Turn an index path (`containers/0/image`) into a keyed one (`containers[name=x]`)."""
    out: list[Segment] = []
    current: Any = obj
    for token in raw:
        if isinstance(current, list):
            index = int(token) if isinstance(token, int) or str(token).isdigit() else -1
            if not 0 <= index < len(current):
                break
            item = current[index]
            shape = list_shape(node, current)
            if shape.mode == "map" and isinstance(item, Mapping):
                out.append(key_of(item, shape.keys))
            else:
                out.append(Index(index))
            current, node = item, element(node)
        else:
            name = str(token)
            out.append(Field(name))
            current = current.get(name, MISSING) if isinstance(current, Mapping) else MISSING
            node = child(node, name)
    return tuple(out)


def exception_paths(
    desired: Mapping[str, Any],
    live: Mapping[str, Any],
    *,
    key: ResourceKey,
    options: DiffOptions,
    ownership: Ownership,
) -> Iterator[Path]:
    """Built-in exceptions: fields controllers write that are neither drift nor unmanaged.

    `spec.replicas` of an HPA's target is excepted only while a controller (the HPA, via
    kube-controller-manager) wrote it last: a human's `kubectl scale` is still drift."""
    if not options.builtin_exceptions:
        return
    replicas: Path = (Field("spec"), Field("replicas"))
    if key in options.hpa_targets:
        writer = ownership.owner(replicas).manager
        if not writer or writer in options.controller_managers:
            yield replicas
    if key.group == "admissionregistration.k8s.io" and key.kind in _WEBHOOK_KINDS:
        webhooks = live.get("webhooks")
        for hook in webhooks if isinstance(webhooks, list) else []:
            if isinstance(hook, Mapping):
                yield from _unset_in_git(
                    desired, (Field("webhooks"), key_of(hook, ["name"]), Field("clientConfig"))
                )
    elif key.group == "apiregistration.k8s.io" and key.kind == "APIService":
        yield from _unset_in_git(desired, (Field("spec"),))
    elif key.group == "apiextensions.k8s.io" and key.kind == "CustomResourceDefinition":
        conversion = (Field("spec"), Field("conversion"), Field("webhook"), Field("clientConfig"))
        yield from _unset_in_git(desired, conversion)


def _unset_in_git(desired: Mapping[str, Any], parent: Path) -> Iterator[Path]:
    path = (*parent, Field("caBundle"))
    if is_empty(lookup(desired, path)):
        yield path
