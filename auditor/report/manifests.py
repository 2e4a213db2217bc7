"""Rendered manifests as multi-document YAML or a JSON `List`, for `render` (Secret values
masked unless asked for), and the per-app render summary of `demo`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from auditor.diff.secrets import masked
from auditor.model import RenderedApp


def _plain(obj: Any, *, show_secrets: bool) -> Any:
    plain = json.loads(json.dumps(obj, default=str))
    return plain if show_secrets else masked(plain)


def manifests_yaml(rendered: RenderedApp, *, show_secrets: bool = False) -> str:
    """Multi-document YAML; Secret values masked unless `show_secrets`."""
    docs = [_plain(r.body, show_secrets=show_secrets) for r in rendered.resources]
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)


def manifests_json(rendered: RenderedApp, *, show_secrets: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"app": rendered.app, "revision": rendered.revision},
        "items": [_plain(r.body, show_secrets=show_secrets) for r in rendered.resources],
    }
