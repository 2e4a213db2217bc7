"""The desired-manifest diff of an app between two revisions: unified diff of the
rendered YAML, resources in a stable order, Secret values masked."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from auditor.model import Resource

MASK = "++++++++"


def mask_secret(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Secret with every `data`/`stringData` value replaced (keys kept, to show edits)."""
    if body.get("kind") != "Secret" or body.get("apiVersion") != "v1":
        return body
    masked = dict(body)
    for field in ("data", "stringData"):
        values = body.get(field)
        if isinstance(values, Mapping):
            masked[field] = {key: MASK for key in values}
    return masked


def manifests_text(resources: Sequence[Resource]) -> str:
    docs = sorted(resources, key=lambda r: r.key)
    return "".join(
        "---\n"
        + yaml.safe_dump(dict(mask_secret(r.body)), sort_keys=True, default_flow_style=False)
        for r in docs
    )


def manifest_diff(base: Sequence[Resource] | None, head: Sequence[Resource], *, app: str) -> str:
    """Unified diff base -> head (a new app diffs against nothing)."""
    before = manifests_text(base or ()).splitlines(keepends=True)
    after = manifests_text(head).splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(before, after, fromfile=f"base/{app}", tofile=f"head/{app}")
    )
