"""Argo CD manifests as the auditor's values: Application -> `App`, AppProject -> `Project`,
ApplicationSet -> the Application manifests its generators produce.

Pure functions of the manifests plus a `Resolver` for what depends on configuration
(which repo a `repoURL` means, which cluster a destination names, the remediation mode).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Protocol

import yaml

from auditor.apps.generators import GeneratorContext, GeneratorError, generate, interpolate
from auditor.apps.templates import TemplateError
from auditor.model import (
    App,
    AppSource,
    Destination,
    DirectoryOptions,
    HelmOptions,
    JsonnetOptions,
    KustomizeOptions,
    Mode,
    Project,
    Retry,
    SourceLocation,
    SyncPolicy,
)

ARGO_GROUP = "argoproj.io"


class Resolver(Protocol):
    """What app parsing needs from configuration and the repo being read."""

    def repo_for(self, repo_url: str, path: str) -> tuple[str, str | None]:
        """(repo to read, error): the configured repo `repo_url` means, else the repo the
        manifest was found in when `path` exists there, else an error."""
        ...

    def cluster_for(self, destination: Destination) -> str: ...

    def mode_for(self, *, app: str, project: str, self_heal: bool) -> Mode: ...


def is_argo(body: Mapping[str, Any], kind: str) -> bool:
    return body.get("kind") == kind and str(body.get("apiVersion", "")).startswith(ARGO_GROUP)


def parse_application(
    body: Mapping[str, Any],
    *,
    origin: SourceLocation | None,
    resolver: Resolver,
    generated_by: str = "",
) -> App:
    """An `App` from an Application manifest; problems land in `App.error`, never raise."""
    meta = body.get("metadata") or {}
    spec = body.get("spec") or {}
    name = str(meta.get("name") or "")
    project = str(spec.get("project") or "default")
    dest_raw = spec.get("destination") or {}
    destination = Destination(
        server=str(dest_raw.get("server") or ""),
        name=str(dest_raw.get("name") or ""),
        namespace=str(dest_raw.get("namespace") or ""),
    )
    policy = _sync_policy(spec.get("syncPolicy") or {})
    errors: list[str] = []
    if not name:
        errors.append("Application has no metadata.name")
    source, sources, source_error = _source(spec)
    if source_error:
        errors.append(source_error)
    resolved = []
    for each in sources or (source,):
        if each.chart or not (each.repo_url or each.path):
            resolved.append(each)  # a chart's repoURL is a Helm repository, not a Git one
            continue
        repo, repo_error = resolver.repo_for(each.repo_url, each.path or ".")
        if repo_error and repo_error not in errors:
            errors.append(repo_error)
        resolved.append(_replace_repo(each, repo))
    if sources:
        sources = tuple(resolved)
        source = (
            next(s for s in sources if s.renderable)
            if any(s.renderable for s in sources)
            else sources[0]
        )
    else:
        source = resolved[0]
    if not (destination.server or destination.name):
        errors.append("spec.destination needs a server or a name")
    labels = tuple(sorted((str(k), str(v)) for k, v in (meta.get("labels") or {}).items()))
    return App(
        name=name or "(unnamed)",
        project=project,
        source=source,
        destination=destination,
        cluster=resolver.cluster_for(destination),
        origin=origin,
        sources=sources,
        generated_by=generated_by,
        sync_policy=policy,
        ignore_differences=tuple(spec.get("ignoreDifferences") or ()),
        mode=resolver.mode_for(app=name, project=project, self_heal=policy.self_heal),
        labels=labels,
        manifest=body,
        error="; ".join(errors) or None,
    )


def parse_project(body: Mapping[str, Any], *, origin: SourceLocation | None) -> Project:
    spec = body.get("spec") or {}
    namespaced = spec.get("namespaceResourceWhitelist")
    return Project(
        name=str((body.get("metadata") or {}).get("name") or ""),
        source_repos=tuple(str(r) for r in spec.get("sourceRepos") or ()),
        destinations=tuple(spec.get("destinations") or ()),
        sync_windows=tuple(spec.get("syncWindows") or ()),
        cluster_resource_whitelist=tuple(spec.get("clusterResourceWhitelist") or ()),
        origin=origin,
        manifest=body,
        cluster_resource_blacklist=tuple(spec.get("clusterResourceBlacklist") or ()),
        namespace_resource_whitelist=None if namespaced is None else tuple(namespaced),
        namespace_resource_blacklist=tuple(spec.get("namespaceResourceBlacklist") or ()),
    )


def expand_application_set(
    body: Mapping[str, Any], *, ctx_for: GeneratorContextFactory
) -> list[dict[str, Any]]:
    """The Application manifests an ApplicationSet generates (raises on a bad generator or
    template). A generator's own `template` is merged over the ApplicationSet's."""
    spec = body.get("spec") or {}
    go = bool(spec.get("goTemplate"))
    options = [str(o) for o in spec.get("goTemplateOptions") or ()]
    ctx = ctx_for(go_template=go, missing_key_error="missingkey=error" in options)
    top = spec.get("template") or {}
    apps: list[dict[str, Any]] = []
    try:
        for generator in spec.get("generators") or ():
            template = generator_template(generator, top)
            for params in generate(generator, ctx):
                rendered = interpolate(template, params, ctx)
                apps.append(
                    {
                        "apiVersion": f"{ARGO_GROUP}/v1alpha1",
                        "kind": "Application",
                        "metadata": rendered.get("metadata") or {},
                        "spec": rendered.get("spec") or {},
                    }
                )
    except (GeneratorError, TemplateError) as exc:
        name = (body.get("metadata") or {}).get("name", "")
        raise GeneratorError(f"ApplicationSet {name}: {exc.message}") from exc
    return apps


def generator_template(generator: Mapping[str, Any], top: Mapping[str, Any]) -> Any:
    """Argo CD's mergeGeneratorTemplate: the generator's `template` (beside its kind's
    fields) with every field it leaves empty taken from the ApplicationSet's (mergo)."""
    own = next(
        (
            v.get("template")
            for k, v in generator.items()
            if k != "selector" and isinstance(v, Mapping)
        ),
        None,
    )
    return fill_empty(own, top) if isinstance(own, Mapping) and own else top


def fill_empty(dest: Mapping[str, Any], src: Mapping[str, Any]) -> dict[str, Any]:
    """mergo.Merge without override: `dest` keeps what it sets; empty or absent fields
    (None, "", false, 0, empty lists and maps) come from `src`; maps merge recursively."""
    out = dict(dest)
    for key, value in src.items():
        mine = out.get(key)
        if isinstance(mine, Mapping) and isinstance(value, Mapping):
            out[key] = fill_empty(mine, value)
        elif key not in out or mine in (None, "", False, 0, [], {}):
            out[key] = value
    return out


class GeneratorContextFactory(Protocol):
    def __call__(self, *, go_template: bool, missing_key_error: bool) -> GeneratorContext: ...


def _source(spec: Mapping[str, Any]) -> tuple[AppSource, tuple[AppSource, ...], str | None]:
    """(the source rendered first, every source of a multi-source app, error)."""
    raw: Mapping[str, Any] = spec.get("source") or {}
    many = [s for s in spec.get("sources") or () if isinstance(s, Mapping)]
    if not raw and many:
        parsed = [_one_source(s, multi=True) for s in many]
        rendered = [p for p in parsed if p[0].renderable]
        if not rendered:
            return parsed[0][0], tuple(p[0] for p in parsed), "no source has a path or a chart"
        errors = [e for _, e in rendered if e]
        return rendered[0][0], tuple(p[0] for p in parsed), "; ".join(errors) or None
    if not raw:
        return _empty_source(), (), "Application has no spec.source"
    source, error = _one_source(raw, multi=False)
    return source, (), error


def _one_source(raw: Mapping[str, Any], *, multi: bool) -> tuple[AppSource, str | None]:
    given = str(raw.get("path") or "").strip("/")
    source = AppSource(
        repo_url=str(raw.get("repoURL") or ""),
        path=given or ("" if multi and raw.get("ref") and not raw.get("chart") else "."),
        target_revision=str(raw.get("targetRevision") or "HEAD"),
        directory=_directory(raw.get("directory")),
        kustomize=_kustomize(raw.get("kustomize")),
        helm=_helm(raw.get("helm")),
        chart=str(raw.get("chart") or ""),
        ref=str(raw.get("ref") or ""),
    )
    if isinstance(raw.get("plugin"), Mapping):
        name = str(raw["plugin"].get("name") or "") or "found by its discovery rules"
        return source, (
            f"source.plugin: the config management plugin ({name}) runs inside Argo CD's "
            "repo-server and cannot run here, so this app's desired state is unknown"
        )
    if source.chart:
        return source, (
            f"Helm chart {source.chart!r} from the chart repository {source.repo_url}: only "
            "charts kept in Git can be rendered here (fetching it needs the network)"
        )
    if not raw.get("path") and source.renderable:
        return source, "spec.source.path is empty"
    return source, None


def _empty_source() -> AppSource:
    return AppSource(repo_url="", path="")


def _replace_repo(source: AppSource, repo: str) -> AppSource:
    return replace(source, repo_url=repo)


def _directory(raw: Mapping[str, Any] | None) -> DirectoryOptions | None:
    if raw is None:
        return None
    jsonnet = raw.get("jsonnet")
    return DirectoryOptions(
        recurse=bool(raw.get("recurse")),
        include=str(raw.get("include") or ""),
        exclude=str(raw.get("exclude") or ""),
        jsonnet=_jsonnet(jsonnet) if isinstance(jsonnet, Mapping) else None,
    )


def _jsonnet(raw: Mapping[str, Any]) -> JsonnetOptions:
    def args(key: str) -> tuple[tuple[str, str, bool], ...]:
        return tuple(
            (str(a.get("name") or ""), str(a.get("value") or ""), bool(a.get("code")))
            for a in raw.get(key) or ()
            if isinstance(a, Mapping)
        )

    return JsonnetOptions(
        ext_vars=args("extVars"),
        tlas=args("tlas"),
        libs=tuple(str(p) for p in raw.get("libs") or ()),
    )


def _kustomize(raw: Mapping[str, Any] | None) -> KustomizeOptions | None:
    if raw is None:
        return None
    return KustomizeOptions(
        images=tuple(str(i) for i in raw.get("images") or ()),
        name_prefix=str(raw.get("namePrefix") or ""),
        name_suffix=str(raw.get("nameSuffix") or ""),
        namespace=str(raw.get("namespace") or ""),
        common_labels=_pairs(raw.get("commonLabels")),
        common_annotations=_pairs(raw.get("commonAnnotations")),
        patches=tuple(raw.get("patches") or ()),
        replicas=tuple((str(r.get("name")), r.get("count")) for r in raw.get("replicas") or ()),
        components=tuple(str(c) for c in raw.get("components") or ()),
    )


def _helm(raw: Mapping[str, Any] | None) -> HelmOptions | None:
    if raw is None:
        return None
    values = raw.get("values") or ""
    if not isinstance(values, str) or raw.get("valuesObject"):
        values = yaml.safe_dump(raw.get("valuesObject") or values, sort_keys=False)
    return HelmOptions(
        release_name=str(raw.get("releaseName") or ""),
        value_files=tuple(str(f) for f in raw.get("valueFiles") or ()),
        values=values,
        parameters=tuple(
            (str(p.get("name")), str(p.get("value"))) for p in raw.get("parameters") or ()
        ),
        skip_crds=bool(raw.get("skipCrds")),
    )


def _pairs(raw: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((str(k), str(v)) for k, v in (raw or {}).items()))


def _sync_policy(raw: Mapping[str, Any]) -> SyncPolicy:
    automated = raw.get("automated")
    auto = automated if isinstance(automated, Mapping) else {}
    retry_raw = raw.get("retry")
    retry = None
    if isinstance(retry_raw, Mapping):
        backoff = retry_raw.get("backoff") or {}
        retry = Retry(
            limit=int(retry_raw.get("limit", 5) or 0),
            duration_seconds=parse_duration(backoff.get("duration"), default=5.0),
            factor=float(backoff.get("factor", 2) or 2),
            max_duration_seconds=parse_duration(backoff.get("maxDuration"), default=180.0),
        )
    # `automated.enabled: false` pauses automation whatever prune/selfHeal say (Argo CD).
    enabled = "automated" in raw and auto.get("enabled", True) is not False
    return SyncPolicy(
        automated=enabled,
        prune=enabled and bool(auto.get("prune")),
        self_heal=enabled and bool(auto.get("selfHeal")),
        allow_empty=bool(auto.get("allowEmpty")),
        sync_options=tuple(str(o) for o in raw.get("syncOptions") or ()),
        retry=retry,
    )


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(value: Any, *, default: float) -> float:
    """A Go duration (`5s`, `3m`, `1h30m`, or bare seconds) in seconds."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return default
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * scale[u] for n, u in parts)
