"""What a render depends on besides the app and its tree: the destination cluster's
capabilities (Helm's `--kube-version` / `--api-versions`, as Argo CD passes them) and the
trees of a multi-source app's `ref` sources (for `$ref/...` value files).

Built by the pipeline per app; part of the render cache key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.kubemeta.schema import KUBE_VERSION, builtin_api_versions
from auditor.model import Capabilities


def default_capabilities() -> Capabilities:
    """Without a cluster (`render`, `check`): Kubernetes 1.37 with its GA APIs, the
    version whose definitions the project ships (documented in the README)."""
    return Capabilities(
        kube_version=".".join(KUBE_VERSION.lstrip("v").split(".")[:2]),
        api_versions=builtin_api_versions(),
    )


@dataclass(frozen=True)
class RenderContext:
    """`capabilities` of the destination (None: `default_capabilities()`); `refs` maps a
    multi-source ref name to (tree root, revision)."""

    capabilities: Capabilities | None = None
    refs: Mapping[str, tuple[Path, str]] = field(default_factory=dict)

    @property
    def effective(self) -> Capabilities:
        return self.capabilities or default_capabilities()

    def key(self) -> dict[str, Any]:
        caps = self.effective
        return {
            "kube_version": caps.kube_version,
            "api_versions": list(caps.api_versions),
            "refs": {name: revision for name, (_, revision) in sorted(self.refs.items())},
        }
