"""Container image references (`name[:tag][@digest]`) and Kustomize `images:` entries:
which entry produces a desired image, and how to make it produce the live one. Pure."""

from __future__ import annotations

import re
from collections.abc import MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

IMAGE_FIELD = re.compile(
    r"(^|\.)(initContainers|containers|ephemeralContainers)\[name=[^\]]+\]\.image$"
)


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> ImageRef:
        rest, _, digest = text.partition("@")
        slash = rest.rfind("/")
        colon = rest.rfind(":")
        if colon > slash:
            return cls(name=rest[:colon], tag=rest[colon + 1 :], digest=digest)
        return cls(name=rest, digest=digest)


def is_image_path(path: str) -> bool:
    return bool(IMAGE_FIELD.search(path))


def set_image(images: MutableSequence[Any], *, desired: str, live: str) -> None:
    """Make the `images:` list turn the base image behind `desired` into `live`."""
    want, have = ImageRef.parse(desired), ImageRef.parse(live)
    entry = _entry_for(images, want.name)
    if entry is None:
        entry = {"name": want.name}
        images.append(entry)
    if have.name != (entry.get("newName") or entry["name"]):
        entry["newName"] = have.name
    elif "newName" in entry and entry["newName"] == entry["name"]:
        del entry["newName"]
    for field, value in (("newTag", have.tag), ("digest", have.digest)):
        if value:
            entry[field] = value
        elif field in entry:
            del entry[field]


def _entry_for(images: MutableSequence[Any], name: str) -> MutableMapping[str, Any] | None:
    for entry in images:
        if isinstance(entry, MutableMapping) and entry.get("newName") == name:
            return entry
    for entry in images:
        if isinstance(entry, MutableMapping) and entry.get("name") == name:
            return entry
    return None
