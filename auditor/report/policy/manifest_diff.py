"""The desired-manifest diff of an app between two revisions: unified diff of the
rendered YAML, resources in a stable order, Secret values masked (keyed hashes, so an
edit shows), and their `last-applied-configuration` too."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import yaml

from auditor.diff.secrets import masked
from auditor.model import Resource


def manifests_text(resources: Sequence[Resource]) -> str:
    docs = sorted(resources, key=lambda r: r.key)
    return "".join(
        "---\n" + yaml.safe_dump(dict(masked(r.body)), sort_keys=True, default_flow_style=False)
        for r in docs
    )


def manifest_diff(base: Sequence[Resource] | None, head: Sequence[Resource], *, app: str) -> str:
    """Unified diff base -> head (a new app diffs against nothing)."""
    before = manifests_text(base or ()).splitlines(keepends=True)
    after = manifests_text(head).splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(before, after, fromfile=f"base/{app}", tofile=f"head/{app}")
    )
