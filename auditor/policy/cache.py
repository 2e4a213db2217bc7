"""Results cache: raw outcomes keyed by (resource content hash, policy set hash, scope,
app context hash), in memory and on disk, so an unchanged resource is evaluated once.

On disk, one JSON file per (policy set, scope, context) holds the outcomes of every
resource seen with it: a warm run reads a few files instead of one per resource.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from auditor import jsonio
from auditor.policy.engine import RawOutcome


def content_hash(value: Any) -> str:
    """A stable hash of a JSON-like value (rendered manifests keep their key order)."""
    return jsonio.digest(value, sort_keys=False, lenient=True)


def context_hash(context: Mapping[str, Any]) -> str:
    return jsonio.digest(context, lenient=True)


class ResultCache:
    """Outcomes per shelf (policy set + scope + context), then per resource hash."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._shelves: dict[str, dict[str, RawOutcome]] = {}
        self._dirty: set[str] = set()
        # Each new entry's JSON text, made at `put` (while a pool's workers run), so that
        # writing a shelf is a join rather than an encoding of every outcome.
        self._texts: dict[str, dict[str, str]] = {}

    @staticmethod
    def shelf(*, policies: str, scope: str, context: str) -> str:
        return f"{policies[:24]}-{scope}-{context[:24]}"

    def get(self, shelf: str, resource: str) -> RawOutcome | None:
        return self._load(shelf).get(resource)

    def put(self, shelf: str, resource: str, outcome: RawOutcome) -> None:
        self._load(shelf)[resource] = outcome
        self._dirty.add(shelf)
        if self.directory is not None:
            self._texts.setdefault(shelf, {})[resource] = _text(outcome)

    def flush(self, shelves: Iterable[str] | None = None) -> None:
        """Write changed shelves (all, or those of `shelves`) to disk, atomically; a
        failure only loses the cache."""
        chosen = self._dirty if shelves is None else self._dirty.intersection(shelves)
        if self.directory is None:
            self._dirty -= chosen
            return
        for shelf in sorted(chosen):
            texts = self._texts.setdefault(shelf, {})
            parts = []
            for key, outcome in self._shelves[shelf].items():
                text = texts.get(key)
                if text is None:
                    text = texts[key] = _text(outcome)
                parts.append(f"{json.dumps(key)}:{text}")
            text = "{" + ",".join(parts) + "}"
            jsonio.write_atomic(self.directory / f"{shelf}.json", text.encode("utf-8"))
        self._dirty -= chosen

    def _load(self, shelf: str) -> dict[str, RawOutcome]:
        entries = self._shelves.get(shelf)
        if entries is not None:
            return entries
        entries = {}
        if self.directory is not None:
            file = self.directory / f"{shelf}.json"
            try:
                raw = jsonio.loads(file.read_bytes())
                entries = {k: _load_outcome(v) for k, v in raw.items()}
            except (OSError, ValueError, TypeError, AttributeError):
                entries = {}
        self._shelves[shelf] = entries
        return entries


def _text(outcome: RawOutcome) -> str:
    try:
        return jsonio.dumps(_dump(outcome)).decode("utf-8")
    except TypeError:  # an integer past 64 bits, say: the standard library writes it
        return json.dumps(_dump(outcome), separators=(",", ":"))


def _dump(outcome: RawOutcome) -> dict[str, Any]:
    # A rule with no values adds nothing to the violations: not stored.
    return {
        "values": {k: list(v) for k, v in outcome.values.items() if v},
        "exceptions": {k: list(v) for k, v in outcome.exceptions.items()},
        "errors": dict(outcome.errors),
    }


def _load_outcome(raw: Mapping[str, Any]) -> RawOutcome:
    return RawOutcome(
        values={k: tuple(v) for k, v in raw["values"].items()},
        exceptions={k: tuple(v) for k, v in raw["exceptions"].items()},
        errors=dict(raw["errors"]),
    )
