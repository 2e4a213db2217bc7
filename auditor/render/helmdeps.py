"""A Helm chart's dependencies, made ready as `helm dependency build` would before Argo CD
templates it: vendored ones (`charts/<name>/` or `charts/<name>-<version>.tgz`) are used
as they are; `file://` ones are copied into a private copy of the chart (never into the
shared, read-only tree); remote ones (a chart repository, OCI) cannot be fetched here and
give one error naming them. Files only, no helm process, no network.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import RenderError


@dataclass(frozen=True)
class Dependency:
    name: str
    version: str
    repository: str


def dependencies(chart_dir: Path) -> list[Dependency]:
    """`dependencies` of Chart.yaml (apiVersion v2), else of requirements.yaml (v1)."""
    found: list[Any] = []
    for name in ("Chart.yaml", "requirements.yaml"):
        file = chart_dir / name
        if file.is_file():
            try:
                data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise RenderError(f"{name} of the chart is not valid YAML: {exc}") from exc
            if isinstance(data, Mapping) and data.get("dependencies"):
                found = list(data["dependencies"])
                break
    return [
        Dependency(
            name=str(d.get("name") or ""),
            version=str(d.get("version") or ""),
            repository=str(d.get("repository") or ""),
        )
        for d in found
        if isinstance(d, Mapping)
    ]


def vendored(chart_dir: Path, dep: Dependency) -> bool:
    charts = chart_dir / "charts"
    if not charts.is_dir():
        return False
    if (charts / dep.name / "Chart.yaml").is_file():
        return True
    return any(p.name.startswith(f"{dep.name}-") and p.suffix == ".tgz" for p in charts.iterdir())


def prepare(chart_dir: Path, *, root: Path, scratch: Path, display: str) -> Path:
    """The chart directory to template: `chart_dir` itself when every dependency is
    there, else a copy under `scratch` with its `file://` dependencies built in. Raises
    `RenderError` for a dependency that needs the network or cannot be found."""
    deps = dependencies(chart_dir)
    missing = [d for d in deps if not vendored(chart_dir, d)]
    if not missing:
        return chart_dir
    remote = [d for d in missing if not d.repository.startswith("file://")]
    if remote:
        listed = ", ".join(
            f"{d.name} {d.version} from {d.repository or '(no repository)'}" for d in remote
        )
        raise RenderError(
            f"Helm chart {display}: dependency {listed} is not vendored in charts/ and "
            "fetching it needs the network (run `helm dependency build` and commit charts/)"
        )
    copy = scratch / f"chart-{len(list(scratch.glob('chart-*')))}"
    shutil.copytree(chart_dir, copy, symlinks=True)  # links stay links, as helm sees them
    for dep in missing:
        source = _local(dep, chart_dir=chart_dir, root=root, display=display)
        ready = prepare(source, root=root, scratch=scratch, display=f"{display} ({dep.name})")
        target = copy / "charts" / dep.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ready, target, symlinks=True)
    return copy


def _local(dep: Dependency, *, chart_dir: Path, root: Path, display: str) -> Path:
    rel = dep.repository.removeprefix("file://")
    source = (chart_dir / rel).resolve()
    if source != root and root not in source.parents:
        raise RenderError(
            f"Helm chart {display}: dependency {dep.name} ({dep.repository}) is outside the "
            "repository"
        )
    if not (source / "Chart.yaml").is_file():
        raise RenderError(
            f"Helm chart {display}: dependency {dep.name} ({dep.repository}) has no Chart.yaml"
        )
    return source
