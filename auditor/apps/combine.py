"""ApplicationSet combinators (Argo CD's `matrix.go` and `merge.go`): the matrix of two
generators (the second templated with each of the first's parameter sets) and the merge
of several by `mergeKeys`. A combinator may hold another one only one level deep, as in
Argo CD (a nested matrix or merge holds plain generators).

Parameter sets combine as Argo CD combines them: classic templates as flat string maps
(a key the two sides set differently is an error in a matrix, the override's wins in a
merge), Go templates as nested maps (matrix: the first side wins; merge: the override).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from auditor.apps.templates import flatten
from auditor.errors import AuditorError

Params = dict[str, Any]
Generate = Callable[[Mapping[str, Any], int], list[Params]]
COMBINATORS = ("matrix", "merge")


class CombineError(AuditorError):
    """A matrix or merge generator is malformed or its children do not combine."""


def children(body: Mapping[str, Any], kind: str, *, depth: int) -> Sequence[Mapping[str, Any]]:
    found = body.get("generators") or []
    if not isinstance(found, list) or not all(isinstance(g, Mapping) for g in found):
        raise CombineError(f"{kind} generator: generators must be a list of generators")
    if depth >= 1:
        nested = [k for g in found for k in COMBINATORS if k in g]
        if nested:
            raise CombineError(
                f"a nested {kind} generator cannot hold a {nested[0]} generator: Argo CD "
                "allows combinators only one level deep"
            )
    return found


def matrix(
    body: Mapping[str, Any],
    *,
    generate: Generate,
    interpolate: Callable[[Any, Params], Any],
    go: bool,
    depth: int,
) -> list[Params]:
    gens = children(body, "matrix", depth=depth)
    if len(gens) != 2:
        raise CombineError("matrix generator needs exactly two child generators")
    out: list[Params] = []
    for first in generate(gens[0], depth + 1):
        for second in generate(interpolate(gens[1], first), depth + 1):
            out.append(
                _deep_merge(first, second, override=False) if go else _combine(first, second)
            )
    return out


def merge(body: Mapping[str, Any], *, generate: Generate, go: bool, depth: int) -> list[Params]:
    gens = children(body, "merge", depth=depth)
    if len(gens) < 2:
        raise CombineError("merge generator needs two or more child generators")
    keys = [str(k) for k in body.get("mergeKeys") or []]
    if not keys:
        raise CombineError("merge generator needs mergeKeys")
    sets = [[p if go else flatten(p) for p in generate(g, depth + 1)] for g in gens]
    base = sets[0]
    for overrides in sets[1:]:
        by_key: dict[str, Params] = {}
        for params in overrides:
            key = _merge_key(params, keys)
            if key in by_key:
                raise CombineError(
                    "the parameters from a generator were not unique by the given mergeKeys, "
                    f"Merge requires all param sets to be unique. Duplicate key was {key}"
                )
            by_key[key] = params
        base = [
            (_deep_merge(p, by_key[k], override=True) if go else {**p, **by_key[k]})
            if (k := _merge_key(p, keys)) in by_key
            else p
            for p in base
        ]
    return base


def _merge_key(params: Mapping[str, Any], keys: Sequence[str]) -> str:
    return json.dumps({k: params.get(k) for k in sorted(set(keys))}, sort_keys=True, default=str)


def _combine(a: Params, b: Params) -> Params:
    """Argo CD's CombineStringMaps: flat maps; one key with two values is an error."""
    left, right = flatten(a), flatten(b)
    for key, value in right.items():
        if key in left and left[key] != value:
            raise CombineError(
                f"found duplicate key {key} with different value, a: {left[key]} ,b: {value}"
            )
    return {**left, **right}


def _deep_merge(a: Mapping[str, Any], b: Mapping[str, Any], *, override: bool) -> Params:
    """mergo.Merge: maps merge recursively; for a key both set, `b` wins with `override`
    (a merge's override), else `a` keeps its value (a matrix's first generator)."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value, override=override)
        elif key not in out or override or out[key] in (None, "", [], {}):
            out[key] = value
    return out
