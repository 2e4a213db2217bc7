"""Schema lookup for the diff: the `Node` of an object's kind and the shape of its lists.

Built-in kinds come from Kubernetes OpenAPI definitions (the cluster's own `/openapi/v3`
when the pipeline read it, else the packaged ones; by `x-kubernetes-group-version-kind`,
falling back to another version of the same kind), custom resources from their CRD schema;
unknown kinds get a schema-less root.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from auditor.kubemeta.schema import Node, crd_root, load_definitions

ListMode = Literal["map", "set", "atomic"]
_VERSION_RANK = ("v1", "v2", "v1beta2", "v2beta2", "v1beta1", "v2beta1", "v1alpha1")


@dataclass(frozen=True)
class ListShape:
    """How a list is compared: `map` by `keys`, `set` of scalars, or `atomic` by position."""

    mode: ListMode
    keys: tuple[str, ...] = ()


ATOMIC = ListShape("atomic")


@dataclass(frozen=True)
class Definitions:
    """A set of Kubernetes type definitions and its (group, version, kind) index: the
    packaged ones (Kubernetes 1.37) or the ones a cluster serves at `/openapi/v3`."""

    defs: Mapping[str, Any]
    gvk: Mapping[tuple[str, str, str], str]

    @classmethod
    def of(cls, defs: Mapping[str, Any]) -> Definitions:
        out: dict[tuple[str, str, str], str] = {}
        for name, raw in defs.items():
            gvks = raw.get("x-kubernetes-group-version-kind") if isinstance(raw, Mapping) else None
            for gvk in gvks if isinstance(gvks, list) else []:
                key = (str(gvk.get("group", "")), str(gvk.get("version", "")), str(gvk.get("kind")))
                out.setdefault(key, name)
        return cls(defs=defs, gvk=MappingProxyType(out))

    def definition_for(self, api_version: str, kind: str) -> str | None:
        """The definition name of a built-in kind; another version of it if need be."""
        group, _, version = api_version.rpartition("/")
        exact = self.gvk.get((group, version, kind))
        if exact is not None:
            return exact
        others = sorted((v, n) for (g, v, k), n in self.gvk.items() if g == group and k == kind)
        if not others:
            return None
        return min(others, key=lambda vn: (_rank(vn[0]), vn[0]))[1]


@functools.cache
def packaged() -> Definitions:
    """The definitions shipped with `kubernetes-validate`; read once, never mutated."""
    return Definitions.of(load_definitions())


def _rank(version: str) -> int:
    return _VERSION_RANK.index(version) if version in _VERSION_RANK else len(_VERSION_RANK)


def definition_for(api_version: str, kind: str) -> str | None:
    """The packaged definition name of a built-in kind (see `Definitions.definition_for`)."""
    return packaged().definition_for(api_version, kind)


def root_node(
    obj: Mapping[str, Any],
    crd_schemas: Mapping[tuple[str, str], Mapping[str, Any]],
    definitions: Definitions | None = None,
) -> Node:
    """The schema root of an object: a CRD's schema, a built-in definition (the cluster's
    own when given and it knows the kind, else the packaged one), or schema-less."""
    api_version = str(obj.get("apiVersion") or "")
    kind = str(obj.get("kind") or "")
    group = api_version.rpartition("/")[0]
    base = packaged()
    crd = crd_schemas.get((group, kind))
    if crd is not None:
        return crd_root(crd, (definitions or base).defs)
    for source in (definitions, base):
        if source is None:
            continue
        name = source.definition_for(api_version, kind)
        if name is not None:
            return Node.for_definition(name, source.defs)
    return crd_root(None, base.defs)


def child(node: Node | None, name: str) -> Node | None:
    if node is None or node.kind not in ("struct", "map"):
        return None
    return node.field(name)


def element(node: Node | None) -> Node | None:
    return node.element() if node is not None and node.kind == "list" else None


def _alternatives(node: Node) -> set[str]:
    types: set[str] = set()
    for alt in node.raw.get("oneOf") or node.raw.get("anyOf") or []:
        t = alt.get("type") if isinstance(alt, Mapping) else None
        types.update([t] if isinstance(t, str) else (t or []))
    return types - {"null"}


def is_quantity(node: Node | None) -> bool:
    """A `resource.Quantity` position: string-or-number."""
    return node is not None and "number" in _alternatives(node)


def is_int_or_string(node: Node | None) -> bool:
    if node is None:
        return False
    return bool(node.raw.get("x-kubernetes-int-or-string")) or "integer" in _alternatives(node)


def is_known(node: Node | None) -> bool:
    """Whether the schema says something about this position (not free-form)."""
    return node is not None and node.kind != "any" and not node.preserves_unknown


def list_shape(node: Node | None, *lists: Sequence[Any]) -> ListShape:
    """The comparison shape of a list; without a schema, objects with a `name` are a map."""
    if node is not None and node.kind == "list":
        if node.list_type == "map" and node.list_keys:
            return ListShape("map", tuple(node.list_keys))
        if node.list_type == "set":
            return ListShape("set")
        return ATOMIC
    items = [item for lst in lists for item in lst]
    if items and all(isinstance(i, Mapping) and "name" in i for i in items):
        return ListShape("map", ("name",))
    return ATOMIC
