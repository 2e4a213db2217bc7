"""ApplicationSet generators: list, clusters, git (directories and files) and matrix.

Each generator yields parameter sets as nested dicts (Go-template shape); the caller
flattens them for fasttemplate. Git generators read the tree of the repo they name through
`RepoLookup`, so they work on the checkout being audited without any network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.apps.templates import TemplateError, flatten, render_fast, render_go, render_value
from auditor.errors import AuditorError, ManifestError
from auditor.manifests import parse_file
from auditor.model import IN_CLUSTER_NAME, IN_CLUSTER_SERVER

Params = dict[str, Any]
RepoLookup = Callable[[str, str], Path | None]
"""(repoURL, revision) -> root directory of that repo's tree, or None when unknown."""


class GeneratorError(AuditorError):
    """A generator is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster as the clusters generator sees it (Argo CD's cluster secret)."""

    name: str
    server: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


IN_CLUSTER = ClusterInfo(name=IN_CLUSTER_NAME, server=IN_CLUSTER_SERVER, labels={}, annotations={})


@dataclass(frozen=True)
class GeneratorContext:
    clusters: Sequence[ClusterInfo]
    repo_lookup: RepoLookup
    go_template: bool
    missing_key_error: bool = False


def generate(spec: Mapping[str, Any], ctx: GeneratorContext) -> list[Params]:
    """Parameter sets of one generator entry (`{"list": {...}}` and so on)."""
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
    params = handler(body, ctx)
    selector = spec.get("selector") or {}
    return [p for p in params if _selected(p, selector)]


def _list(body: Mapping[str, Any], ctx: GeneratorContext) -> list[Params]:
    elements = body.get("elements") or []
    if not isinstance(elements, list) or not all(isinstance(e, Mapping) for e in elements):
        raise GeneratorError("list generator: elements must be a list of mappings")
    return [dict(e) for e in elements]


def _clusters(body: Mapping[str, Any], ctx: GeneratorContext) -> list[Params]:
    selector = body.get("selector") or {}
    out: list[Params] = []
    for cluster in ctx.clusters:
        params: Params = {
            "name": cluster.name,
            "nameNormalized": re.sub(r"[^a-z0-9-]", "-", cluster.name.lower()),
            "server": cluster.server,
            "metadata": {"labels": dict(cluster.labels), "annotations": dict(cluster.annotations)},
        }
        if not _matches_labels(cluster.labels, selector):
            continue
        values = body.get("values") or {}
        if values:
            params["values"] = interpolate(values, params, ctx)
        out.append(params)
    return out


def _git(body: Mapping[str, Any], ctx: GeneratorContext) -> list[Params]:
    url = str(body.get("repoURL") or "")
    revision = str(body.get("revision") or "HEAD")
    root = ctx.repo_lookup(url, revision)
    if root is None:
        raise GeneratorError(f"git generator: repository {url!r} is not available")
    if body.get("directories"):
        return _git_directories(root, body["directories"])
    if body.get("files"):
        return _git_files(root, body["files"])
    raise GeneratorError("git generator needs `directories` or `files`")


def _git_directories(root: Path, entries: list[Mapping[str, Any]]) -> list[Params]:
    include = [_glob_re(str(e["path"])) for e in entries if not e.get("exclude")]
    exclude = [_glob_re(str(e["path"])) for e in entries if e.get("exclude")]
    out: list[Params] = []
    for rel in _walk_dirs(root):
        if any(p.fullmatch(rel) for p in include) and not any(p.fullmatch(rel) for p in exclude):
            out.append({"path": _path_params(rel)})
    return out


def _git_files(root: Path, entries: list[Mapping[str, Any]]) -> list[Params]:
    include = [_glob_re(str(e["path"])) for e in entries if not e.get("exclude")]
    exclude = [_glob_re(str(e["path"])) for e in entries if e.get("exclude")]
    out: list[Params] = []
    for file in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts):
        rel = file.relative_to(root).as_posix()
        if not any(p.fullmatch(rel) for p in include) or any(p.fullmatch(rel) for p in exclude):
            continue
        try:
            docs = parse_file(file, display=rel)
        except ManifestError as exc:
            raise GeneratorError(f"git files generator: {exc}") from exc
        for doc in docs:
            items = doc.body if isinstance(doc.body, list) else [doc.body]
            for item in items:
                if not isinstance(item, Mapping):
                    raise GeneratorError(f"git files generator: {rel} must hold a mapping")
                params = dict(item)
                path = _path_params(Path(rel).parent.as_posix())
                path["filename"] = Path(rel).name
                path["filenameNormalized"] = re.sub(r"[^a-z0-9.-]", "-", Path(rel).name.lower())
                params["path"] = path
                out.append(params)
    return out


def _matrix(body: Mapping[str, Any], ctx: GeneratorContext) -> list[Params]:
    children = body.get("generators") or []
    if len(children) != 2:
        raise GeneratorError("matrix generator needs exactly two child generators")
    out: list[Params] = []
    for first in generate(children[0], ctx):
        second_spec = interpolate(children[1], first, ctx)
        for second in generate(second_spec, ctx):
            out.append(_merge(first, second))
    return out


def _merge(a: Params, b: Params) -> Params:
    merged = dict(a)
    for key, value in b.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), dict(value))
        else:
            merged[key] = value
    return merged


def interpolate(value: Any, params: Params, ctx: GeneratorContext) -> Any:
    """Render every string of `value` with `params`, in the ApplicationSet's template flavour."""
    if ctx.go_template:
        return render_value(
            value, lambda s: render_go(s, params, missing_error=ctx.missing_key_error)
        )
    flat = flatten(params)
    return render_value(value, lambda s: render_fast(s, flat))


def _path_params(rel: str) -> Params:
    segments = [s for s in rel.split("/") if s]
    basename = segments[-1] if segments else ""
    return {
        "path": rel,
        "basename": basename,
        "basenameNormalized": re.sub(r"[^a-z0-9.-]", "-", basename.lower()),
        "segments": segments,
    }


def _walk_dirs(root: Path) -> Iterator[str]:
    for path in sorted(root.rglob("*")):
        if path.is_dir() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path.relative_to(root).as_posix()


def _glob_re(pattern: str) -> re.Pattern[str]:
    """A path glob as Argo CD matches it: `*` within one segment, `**` across segments."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "{":
            end = pattern.find("}", i)
            if end > i:
                alts = pattern[i + 1 : end].split(",")
                out.append("(?:" + "|".join(re.escape(a) for a in alts) + ")")
                i = end + 1
                continue
            out.append(re.escape(c))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))


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


_HANDLERS: dict[str, Callable[[Mapping[str, Any], GeneratorContext], list[Params]]] = {
    "list": _list,
    "clusters": _clusters,
    "git": _git,
    "matrix": _matrix,
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
