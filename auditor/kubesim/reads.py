"""Reads: list with label/field selectors and `limit`/`continue` pagination, and watches
that replay the store's event history after a resourceVersion and then follow it live.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.kubesim import errors
from auditor.kubesim.resources import ResourceType
from auditor.kubesim.selectors import labels_match, parse_field_selector, parse_label_selector
from auditor.kubesim.store import Store, Stored


@dataclass(frozen=True)
class Query:
    namespace: str | None = None
    label_selector: str = ""
    field_selector: str = ""
    limit: int = 0
    continue_token: str = ""


@dataclass(frozen=True)
class Page:
    items: list[Stored]
    resource_version: str
    continue_token: str = ""
    remaining: int | None = None


def _matcher(query: Query) -> Callable[[Mapping[str, Any]], bool]:
    reqs = parse_label_selector(query.label_selector) if query.label_selector else []
    fields = parse_field_selector(query.field_selector) if query.field_selector else None

    def match(obj: Mapping[str, Any]) -> bool:
        if reqs and not labels_match(reqs, (obj.get("metadata") or {}).get("labels")):
            return False
        return fields is None or fields(obj)

    return match


def _encode_token(rv: str, ns: str, name: str) -> str:
    raw = json.dumps({"rv": rv, "start": [ns, name]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_token(token: str) -> tuple[str, tuple[str, str]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise errors.bad_request(f"continue key is not valid: {exc}") from exc


def list_objects(store: Store, rt: ResourceType, query: Query) -> Page:
    match = _matcher(query)
    with store.lock:
        rv = str(store.resource_version)
        items = store.items((rt.group, rt.plural), query.namespace)
    if query.continue_token:
        rv, after = _decode_token(query.continue_token)
        items = [
            s
            for s in items
            if (s.obj["metadata"].get("namespace", ""), s.obj["metadata"]["name"]) > after
        ]
    selected = (
        [s for s in items if match(s.obj)]
        if query.label_selector or query.field_selector
        else items
    )
    if query.limit and len(selected) > query.limit:
        page = selected[: query.limit]
        last = page[-1].obj["metadata"]
        token = _encode_token(rv, last.get("namespace", ""), last["name"])
        return Page(page, rv, token, len(selected) - query.limit)
    return Page(selected, rv)


class Watch:
    """One watch request: initial state (when asked), then live events until timeout/close."""

    def __init__(
        self,
        store: Store,
        rt: ResourceType,
        query: Query,
        *,
        resource_version: str,
        timeout: float,
    ) -> None:
        self._store = store
        self._rt = rt
        self._query = query
        self._match = _matcher(query)
        self._deadline = time.monotonic() + timeout
        self._initial = resource_version in ("", "0")
        self._rv = store.resource_version if self._initial else self._parse(resource_version)

    @staticmethod
    def _parse(rv: str) -> int:
        try:
            return int(rv)
        except ValueError as exc:
            raise errors.bad_request(f"invalid resource version {rv!r}") from exc

    def _wanted(self, obj: Mapping[str, Any]) -> bool:
        ns = self._query.namespace
        if ns is not None and (obj.get("metadata") or {}).get("namespace", "") != ns:
            return False
        return self._match(obj)

    def events(self) -> Iterator[tuple[str, Stored | None] | None]:
        """Yields (type, object), ("INITIAL-END", None) after the initial state, None if idle."""
        if self._initial:
            with self._store.lock:
                self._rv = self._store.resource_version
                current = self._store.items(
                    (self._rt.group, self._rt.plural), self._query.namespace
                )
            for s in current:
                if self._match(s.obj):
                    yield ("ADDED", s)
            yield ("INITIAL-END", None)
        while True:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                return
            with self._store.lock:
                if self._store.closed:
                    return
                batch = self._store.events_since((self._rt.group, self._rt.plural), self._rv)
                if batch is None:
                    raise errors.gone(
                        f"too old resource version: {self._rv} ({self._store.resource_version})"
                    )
                if not batch:
                    self._store.changed.wait(min(remaining, 1.0))
                    batch = (
                        self._store.events_since((self._rt.group, self._rt.plural), self._rv) or []
                    )
            if not batch:
                yield None
                continue
            for event in batch:
                self._rv = max(self._rv, event.rv)
                if self._wanted(event.obj.obj):
                    yield (event.type, event.obj)
