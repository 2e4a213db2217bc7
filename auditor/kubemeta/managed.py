"""`metadata.managedFields` entries: decoding, encoding, and the manager identity rules.

An entry is identified by (manager, operation, apiVersion for Update only, subresource), as
the real server does; entries are written sorted by operation, time, manager, apiVersion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.kubemeta.fieldpath import FieldSet

APPLY = "Apply"
UPDATE = "Update"
# Fields never recorded in managedFields (structured-merge-diff's "strip meta").
_STRIPPED = (
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata", "f:name"),
    ("f:metadata", "f:namespace"),
    ("f:metadata", "f:creationTimestamp"),
    ("f:metadata", "f:selfLink"),
    ("f:metadata", "f:uid"),
    ("f:metadata", "f:generation"),
    ("f:metadata", "f:managedFields"),
    ("f:metadata", "f:resourceVersion"),
    ("f:metadata", "f:deletionTimestamp"),
    ("f:metadata", "f:deletionGracePeriodSeconds"),
)


@dataclass
class ManagerEntry:
    manager: str
    operation: str
    api_version: str
    fields: FieldSet
    subresource: str = ""
    time: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        version = "" if self.operation == APPLY else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def describe(self) -> str:
        """How the real server names a manager in conflict messages."""
        out = f'"{self.manager}"'
        if self.subresource:
            out += f' with subresource "{self.subresource}"'
        if self.operation == UPDATE:
            out += f" using {self.api_version}"
        return out


def strip_meta(fs: FieldSet) -> FieldSet:
    out = fs.without_prefixes(list(_STRIPPED))
    out.members.discard("f:metadata")
    return out


def decode(entries: Any) -> list[ManagerEntry]:
    out: list[ManagerEntry] = []
    if not isinstance(entries, Sequence):
        return out
    for e in entries:
        if not isinstance(e, Mapping):
            continue
        fields_v1 = e.get("fieldsV1")
        out.append(
            ManagerEntry(
                manager=str(e.get("manager", "")),
                operation=str(e.get("operation", UPDATE)),
                api_version=str(e.get("apiVersion", "")),
                fields=FieldSet.from_json(fields_v1 if isinstance(fields_v1, Mapping) else {}),
                subresource=str(e.get("subresource", "")),
                time=str(e["time"]) if e.get("time") else None,
            )
        )
    return out


def encode(entries: Sequence[ManagerEntry]) -> list[dict[str, Any]]:
    def order(e: ManagerEntry) -> tuple[str, str, str, str, str]:
        return (e.operation, e.time or "", e.manager, e.api_version, e.subresource)

    out = []
    for e in sorted(entries, key=order):
        if e.fields.empty():
            continue
        item: dict[str, Any] = {
            "manager": e.manager,
            "operation": e.operation,
            "apiVersion": e.api_version,
        }
        if e.time:
            item["time"] = e.time
        item["fieldsType"] = "FieldsV1"
        item["fieldsV1"] = e.fields.to_json()
        if e.subresource:
            item["subresource"] = e.subresource
        out.append(item)
    return out


def manager_from_user_agent(user_agent: str) -> str:
    """The default field manager: the user agent's first path element, as the server does."""
    prefix = user_agent.split("/", 1)[0]
    return prefix[:128] or "unknown"
