"""Rendered manifests as multi-document YAML or a JSON `List`, for `render`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from auditor.model import RenderedApp


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
