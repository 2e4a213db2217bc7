"""Round-trip YAML (ruamel): load and dump keeping comments, quotes, order and the
repo's `- item` indentation, so a remediation PR's diff shows only the adopted values."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_all(text: str) -> list[Any]:
    return list(_yaml().load_all(text))


def load(text: str) -> Any:
    return _yaml().load(text)


def dump_all(docs: list[Any]) -> str:
    out = io.StringIO()
    _yaml().dump_all(docs, out)
    return out.getvalue()


def dump(doc: Any) -> str:
    out = io.StringIO()
    _yaml().dump(doc, out)
    return out.getvalue()
