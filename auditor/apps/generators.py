"""ApplicationSet generators: list, clusters, git (directories and files), matrix and merge.

Each generator yields parameter sets in the ApplicationSet's template style (classic:
flat string keys; Go templates: nested maps), as Argo CD's generators build them. Git
generators read the tree of the repo they name through `RepoLookup`, so they work on the
checkout being audited without any network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.apps.combine import CombineError, matrix, merge
from auditor.apps.gitgen import (
    GitGeneratorError,
    directory_params,
    file_params,
    sanitize_name,
    with_values,
)
from auditor.apps.templates import TemplateError, flatten, render_fast, render_go, render_value
from auditor.errors import AuditorError
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER

Params = dict[str, Any]
RepoLookup = Callable[[str, str], Path | None]
"""(repoURL, revision) -> root directory of that repo's tree, or None when unknown (it
raises GeneratorError when the repo is known but may not be read, e.g. not configured)."""

SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"


class GeneratorError(AuditorError):
    """A generator is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster as the clusters generator sees it: Argo CD's cluster secret (`labels`
    then include `argocd.argoproj.io/secret-type: cluster`), or the local cluster Argo
    CD lists without a secret (`local`: no labels, never matched by a selector)."""

    name: str
    server: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    local: bool = False


IN_CLUSTER = ClusterInfo(
    name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER, labels={}, annotations={}, local=True
)


@dataclass(frozen=True)
class GeneratorContext:
    clusters: Sequence[ClusterInfo]
    repo_lookup: RepoLookup
    go_template: bool
    missing_key_error: bool = False


def generate(spec: Mapping[str, Any], ctx: GeneratorContext, *, depth: int = 0) -> list[Params]:
    """Parameter sets of one generator entry (`{"list": {...}}` and so on); `depth` is how
    deep it sits in matrix/merge combinators."""
    kinds = [k for k in spec if k not in ("selector", "template", "values")]
    if len(kinds) != 1:
        raise GeneratorError(f"a generator must have exactly one kind, found {kinds or 'none'}")
    kind = kinds[0]
    body = spec[kind] or {}
    if not isinstance(body, Mapping):
        raise GeneratorError(f"generator {kind!r} must be a mapping")
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise GeneratorError(f"the {kind!r} generator is not supported")
    try:
        params = handler(body, ctx, depth)
    except (CombineError, GitGeneratorError) as exc:
        raise GeneratorError(exc.message) from exc
    selector = spec.get("selector") or {}
    return [p for p in params if _selected(p, selector)]


def _list(body: Mapping[str, Any], ctx: GeneratorContext, depth: int) -> list[Params]:
    elements = body.get("elements") or []
    if not isinstance(elements, list) or not all(isinstance(e, Mapping) for e in elements):
        raise GeneratorError("list generator: elements must be a list of mappings")
    return [dict(e) for e in elements]


def _clusters(body: Mapping[str, Any], ctx: GeneratorContext, depth: int) -> list[Params]:
    """Argo CD's cluster generator: the local cluster (when no secret stands for it) only
    with an empty selector, then each cluster secret the selector matches."""
    selector = body.get("selector") or {}
    values = body.get("values") or {}
    out: list[Params] = []
    for cluster in sorted(ctx.clusters, key=lambda c: not c.local):
        if cluster.local:
            if selector:
                continue
            params: Params = {
                "name": cluster.name,
                "nameNormalized": cluster.name,
                "server": cluster.server,
            }
        else:
            if not _matches_labels(cluster.labels, selector):
                continue
            params = {
                "name": cluster.name,
                "nameNormalized": sanitize_name(cluster.name),
                "server": cluster.server,
                "metadata": _cluster_metadata(cluster),
            }
        out.append(
            with_values(
                params, values, go=ctx.go_template, render=lambda v, ps: interpolate(v, ps, ctx)
            )
        )
    return out


def _cluster_metadata(cluster: ClusterInfo) -> Params:
    meta: Params = {}
    if cluster.annotations:
        meta["annotations"] = dict(cluster.annotations)
    if cluster.labels:
        meta["labels"] = dict(cluster.labels)
    return meta


def _git(body: Mapping[str, Any], ctx: GeneratorContext, depth: int) -> list[Params]:
    url = str(body.get("repoURL") or "")
    revision = str(body.get("revision") or "HEAD")
    root = ctx.repo_lookup(url, revision)
    if root is None:
        raise GeneratorError(f"git generator: repository {url!r} is not available")
    go, prefix = ctx.go_template, str(body.get("pathParamPrefix") or "")
    if body.get("directories"):
        found = directory_params(root, body["directories"], go=go, prefix=prefix)
    elif body.get("files"):
        found = file_params(root, body["files"], go=go, prefix=prefix)
    else:
        raise GeneratorError("git generator needs `directories` or `files`")
    values = body.get("values") or {}
    return [
        with_values(p, values, go=go, render=lambda v, ps: interpolate(v, ps, ctx)) for p in found
    ]


def _matrix(body: Mapping[str, Any], ctx: GeneratorContext, depth: int) -> list[Params]:
    return matrix(
        body,
        generate=lambda spec, d: generate(spec, ctx, depth=d),
        interpolate=lambda value, params: interpolate(value, params, ctx),
        go=ctx.go_template,
        depth=depth,
    )


def _merge(body: Mapping[str, Any], ctx: GeneratorContext, depth: int) -> list[Params]:
    return merge(
        body, generate=lambda spec, d: generate(spec, ctx, depth=d), go=ctx.go_template, depth=depth
    )


def interpolate(value: Any, params: Params, ctx: GeneratorContext) -> Any:
    """Render every string of `value` with `params`, in the ApplicationSet's template flavour."""
    if ctx.go_template:
        return render_value(
            value, lambda s: render_go(s, params, missing_error=ctx.missing_key_error)
        )
    flat = flatten(params)
    return render_value(value, lambda s: render_fast(s, flat))


def _matches_labels(labels: Mapping[str, str], selector: Mapping[str, Any]) -> bool:
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _selected(params: Params, selector: Mapping[str, Any]) -> bool:
    if not selector:
        return True
    return _matches_labels(flatten(params), selector)


_HANDLERS: dict[str, Callable[[Mapping[str, Any], GeneratorContext, int], list[Params]]] = {
    "list": _list,
    "clusters": _clusters,
    "git": _git,
    "matrix": _matrix,
    "merge": _merge,
}

__all__ = [
    "ClusterInfo",
    "GeneratorContext",
    "GeneratorError",
    "IN_CLUSTER",
    "Params",
    "RepoLookup",
    "TemplateError",
    "generate",
    "interpolate",
]
