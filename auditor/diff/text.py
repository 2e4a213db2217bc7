"""The human-readable diff: unified diff of normalized YAML, live vs what a sync produces.

`sync_target` applies the drift to a copy of the normalized live object (Git's values set,
removed fields dropped); `unified` renders `--- live` / `+++ desired` as `argocd app diff`.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from auditor.diff.compare import Change
from auditor.diff.paths import assign, delete


def sync_target(live: Mapping[str, Any], changes: Iterable[Change]) -> dict[str, Any]:
    """The live object as a sync would leave it."""
    out: dict[str, Any] = copy.deepcopy(dict(live))
    for change in changes:
        if change.desired is None:
            delete(out, change.path)
        else:
            assign(out, change.path, copy.deepcopy(change.desired))
    return out


def to_yaml(obj: Mapping[str, Any] | None) -> str:
    if obj is None:
        return ""
    return yaml.safe_dump(dict(obj), sort_keys=True, default_flow_style=False, allow_unicode=True)


def unified(live: Mapping[str, Any] | None, desired: Mapping[str, Any] | None) -> str:
    """A unified diff of two objects as YAML; empty when they render the same."""
    before, after = to_yaml(live), to_yaml(desired)
    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="live",
        tofile="desired",
    )
    return "".join(lines)
