"""Rendering of a Helm chart kept in Git with `helm template`, as Argo CD's repo-server does.

Called by `renderer.py`. `helm_command` builds the command line (a pure function): the
destination's `--kube-version` and `--api-versions`, value files (against the chart
directory, or `$ref/...` against a multi-source app's ref source; never outside it),
inline values through a private temp file, `--set` parameters (`$ARGOCD_APP_*`
substituted). Dependencies are made ready first (`helmdeps`). Helm's warnings on stderr
never reach an error message; its `# Source:` comments locate each object.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from auditor.errors import ManifestError, RenderError
from auditor.manifests import Document, parse_text
from auditor.model import Capabilities, HelmOptions
from auditor.render.documents import RawRender, collect
from auditor.render.helmdeps import prepare
from auditor.render.jsonnet import envsubst
from auditor.render.tools import DEFAULT_TIMEOUT_SECONDS, ToolError, run_tool

_SOURCE_PREFIX = "# Source: "


def helm_not_found(display: str) -> str:
    return (
        f"helm not found: install helm 3 to render Helm chart {display} (or set render.helm_path)"
    )


def helm_command(
    *,
    helm: Path | str,
    release_name: str,
    chart_dir: Path,
    namespace: str,
    value_files: Sequence[Path] = (),
    values_file: Path | None = None,
    parameters: Sequence[tuple[str, str]] = (),
    include_crds: bool = True,
    capabilities: Capabilities | None = None,
) -> list[str]:
    """`helm template` arguments: value files, then inline values, then `--set`, in that
    order of precedence (lowest first), and the destination's capabilities, as Argo CD
    passes them."""
    args = [str(helm), "template", release_name, str(chart_dir)]
    if namespace:
        args += ["--namespace", namespace]
    if capabilities is not None:
        if capabilities.kube_version:
            args += ["--kube-version", capabilities.kube_version]
        for version in capabilities.api_versions:
            args += ["--api-versions", version]
    for file in value_files:
        args += ["-f", str(file)]
    if values_file is not None:
        args += ["-f", str(values_file)]
    for name, value in parameters:
        args += ["--set", f"{name}={value}"]
    if include_crds:
        args.append("--include-crds")
    return args


def render_helm(
    chart_dir: Path,
    *,
    root: Path,
    helm: Path | None,
    release_name: str,
    namespace: str,
    options: HelmOptions | None,
    on_run: Callable[[], None] = lambda: None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    capabilities: Capabilities | None = None,
    refs: Mapping[str, Path] | None = None,
    env: Mapping[str, str] | None = None,
) -> RawRender:
    """Template the chart in `chart_dir` (inside `root`) for a cluster with `capabilities`;
    `refs` are the trees `$ref/...` value files name; `env` Argo CD's build environment."""
    root = root.resolve()
    chart_dir = chart_dir.resolve()
    display = _relative(chart_dir, root)
    if helm is None:
        return RawRender.failed(helm_not_found(display), deterministic=False)
    opts = options or HelmOptions()
    environment = env or {}
    try:
        value_files = [
            _value_file(v, chart_dir=chart_dir, root=root, refs=refs or {}, env=environment)
            for v in opts.value_files
        ]
    except ManifestError as exc:
        return RawRender.failed(exc.message)
    with tempfile.TemporaryDirectory(prefix="gitops-auditor-helm-") as tmp:
        try:
            ready = prepare(chart_dir, root=root, scratch=Path(tmp), display=display)
        except RenderError as exc:
            return RawRender.failed(exc.message)
        values_file = None
        if opts.values.strip():
            values_file = Path(tmp) / "values.yaml"
            values_file.write_text(opts.values, encoding="utf-8")
        args = helm_command(
            helm=helm,
            release_name=opts.release_name or release_name,
            chart_dir=ready,
            namespace=namespace,
            value_files=value_files,
            values_file=values_file,
            parameters=[(n, envsubst(v, environment)) for n, v in opts.parameters],
            include_crds=not opts.skip_crds,
            capabilities=capabilities,
        )
        on_run()
        try:
            output = run_tool(args, tool="helm", timeout=timeout, env=_helm_env(Path(tmp)))
        except ToolError as exc:
            message = without_warnings(exc.message)
            for prefix in (f"{ready}/", f"{root}/", f"{tmp}/"):
                message = message.replace(prefix, "")
            return RawRender.failed(
                f"helm template {display} failed: {message}", deterministic=exc.deterministic
            )
    try:
        docs = parse_text(output, path=f"helm output of {display}")
    except ManifestError as exc:
        return RawRender.failed(exc.message)
    located = locate_sources(output, docs, chart_dir=chart_dir, root=root)
    collected = collect(located)
    return RawRender(manifests=collected.manifests, notes=collected.notes)


def locate_sources(
    output: str, docs: Sequence[Document], *, chart_dir: Path, root: Path
) -> list[tuple[Document, str]]:
    """Pair each document with the chart template named by the `# Source:` line above it."""
    sources: list[tuple[int, str]] = []
    for number, text in enumerate(output.splitlines(), start=1):
        if text.startswith(_SOURCE_PREFIX):
            sources.append((number, text.removeprefix(_SOURCE_PREFIX).strip()))
    chart_file = _relative(chart_dir / "Chart.yaml", root)
    located: list[tuple[Document, str]] = []
    for doc in docs:
        template = next((s for n, s in reversed(sources) if n < doc.line), "")
        path = chart_file
        if "/" in template:
            # "<chart name>/templates/x.yaml": the chart name is the chart directory.
            candidate = chart_dir / template.split("/", 1)[1]
            if candidate.is_file():
                path = _relative(candidate, root)
        located.append((Document(body=doc.body, line=1), path))
    return located


_BUILD_VAR = re.compile(r"^\{?(ARGOCD_APP_|KUBE_)")
_WARNING = re.compile(r"^(?:WARNING|Warning|W\d{4})\b|^[\w.-]+\.go:\d+: ")


def without_warnings(stderr: str) -> str:
    """Helm's error without the warnings it prints around it (`walk.go:74: found symbolic
    link`, `coalesce.go: warning: skipped value`, `WARNING: ...`), on one line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    kept = [ln for ln in lines if not _WARNING.match(ln)] or lines
    errors = [ln for ln in kept if ln.startswith("Error:")]
    return "; ".join(errors or kept).removeprefix("Error: ")


def _value_file(
    value: str,
    *,
    chart_dir: Path,
    root: Path,
    refs: Mapping[str, Path],
    env: Mapping[str, str],
) -> Path:
    """A value file as Argo CD resolves it: `$ref/path` relative to the root of the
    multi-source app's source with that `ref`, else (`$ARGOCD_APP_*` substituted)
    relative to the chart."""
    base = root
    name, _, rest = value[1:].partition("/")
    by_ref = value.startswith("$") and name in refs
    if by_ref:
        base = refs[name].resolve()
        file = (base / rest).resolve()
    elif value.startswith("$") and not _BUILD_VAR.match(name):
        raise ManifestError(
            f"Helm value file names ${name}, which no source of the app refs", path=value
        )
    else:
        file = (chart_dir / envsubst(value, env)).resolve()
    shown = value if by_ref else os.path.relpath(file, root)
    if file != base and base not in file.parents:
        raise ManifestError("Helm value file is outside the repository", path=value)
    if not file.is_file():
        raise ManifestError("Helm value file does not exist", path=shown)
    return file


def _helm_env(scratch: Path) -> dict[str, str]:
    """Keep helm's caches and config private to this run (no shared mutable state)."""
    env = dict(os.environ)
    for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
        env.setdefault(var, str(scratch / var.lower()))
    return env


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()
