"""Rendering of a Helm chart kept in Git with `helm template`, as Argo CD's repo-server does.

Called by `renderer.py`. `helm_command` builds the command line (a pure function); value
files resolve against the chart directory and must stay inside the repository; inline
values go through a private temp file. Helm's `# Source:` comments locate each object.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from auditor.errors import ManifestError
from auditor.manifests import Document, parse_text
from auditor.model import HelmOptions
from auditor.render.documents import RawRender, collect
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
) -> list[str]:
    """`helm template` arguments: value files, then inline values, then `--set`, in that
    order of precedence (lowest first), as Argo CD passes them."""
    args = [str(helm), "template", release_name, str(chart_dir)]
    if namespace:
        args += ["--namespace", namespace]
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
) -> RawRender:
    """Template the chart in `chart_dir` (inside `root`)."""
    root = root.resolve()
    chart_dir = chart_dir.resolve()
    display = _relative(chart_dir, root)
    if helm is None:
        return RawRender.failed(helm_not_found(display), deterministic=False)
    opts = options or HelmOptions()
    try:
        value_files = [_value_file(v, chart_dir=chart_dir, root=root) for v in opts.value_files]
    except ManifestError as exc:
        return RawRender.failed(exc.message)
    with tempfile.TemporaryDirectory(prefix="gitops-auditor-helm-") as tmp:
        values_file = None
        if opts.values.strip():
            values_file = Path(tmp) / "values.yaml"
            values_file.write_text(opts.values, encoding="utf-8")
        args = helm_command(
            helm=helm,
            release_name=opts.release_name or release_name,
            chart_dir=chart_dir,
            namespace=namespace,
            value_files=value_files,
            values_file=values_file,
            parameters=opts.parameters,
            include_crds=not opts.skip_crds,
        )
        on_run()
        try:
            output = run_tool(args, tool="helm", timeout=timeout, env=_helm_env(Path(tmp)))
        except ToolError as exc:
            message = exc.message.replace(f"{root}/", "").replace(f"{tmp}/", "")
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


def _value_file(value: str, *, chart_dir: Path, root: Path) -> Path:
    file = (chart_dir / value).resolve()
    shown = os.path.relpath(file, root)
    if file != root and root not in file.parents:
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
