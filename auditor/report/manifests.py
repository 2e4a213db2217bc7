"""Rendered manifests as multi-document YAML or a JSON `List`, for `render`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import yaml

from auditor.model import RenderedApp
from auditor.report.table import format_table


def _plain(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str))


def manifests_yaml(rendered: RenderedApp) -> str:
    docs = [_plain(r.body) for r in rendered.resources]
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)


def manifests_json(rendered: RenderedApp) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"app": rendered.app, "revision": rendered.revision},
        "items": [_plain(r.body) for r in rendered.resources],
    }


def render_summary(rendered: Iterable[RenderedApp]) -> str:
    """One line per app: how many resources of which kinds, or why it did not render."""
    rows = []
    for item in rendered:
        kinds = Counter(r.key.kind for r in item.resources)
        what = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        rows.append([item.app, str(len(item.resources)), item.error or what])
    return format_table(["APP", "RESOURCES", "KINDS / ERROR"], rows)
