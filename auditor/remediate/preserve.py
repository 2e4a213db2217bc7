"""What a heal must not overwrite: fields `ignoreDifferences` ignores (Argo CD's
RespectIgnoreDifferences) and the built-in exceptions (an HPA's replicas, an injected
caBundle) keep their live values in the applied object. Pure; reuses the diff stage's rules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from auditor.diff.ignore import exception_paths, ignored_paths, matching_rules
from auditor.diff.managed import Ownership
from auditor.diff.options import DiffOptions
from auditor.diff.paths import MISSING, Path, assign, delete, lookup, render
from auditor.diff.schema import root_node
from auditor.model import ResourceKey


def preserved_paths(
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    *,
    key: ResourceKey,
    options: DiffOptions,
) -> list[Path]:
    """Paths whose live value the apply keeps (ignored or excepted), deduplicated."""
    if live is None:
        return []
    owners = Ownership.of(live)
    rules = matching_rules(options.ignore_differences, key)
    node = root_node(desired, options.crd_schemas, options.definitions)
    found = ignored_paths(rules, [desired, live], node=node, ownership=owners)
    found.extend(exception_paths(desired, live, key=key, options=options, ownership=owners))
    seen: dict[str, Path] = {}
    for path in found:
        seen.setdefault(render(path), path)
    return list(seen.values())


def keep_live(
    desired: Mapping[str, Any], live: Mapping[str, Any] | None, paths: list[Path]
) -> dict[str, Any]:
    """A copy of `desired` whose preserved fields carry the live value.

    Copying (rather than dropping) keeps the field even where we were its only manager:
    a dropped field we own would be deleted by server-side apply. A field absent live is
    dropped from the applied object."""
    body: dict[str, Any] = copy.deepcopy(dict(desired))
    for path in paths:
        value = lookup(live, path) if live is not None else MISSING
        if value is MISSING:
            delete(body, path)
        else:
            assign(body, path, copy.deepcopy(value))
    return body
