"""Tolerant readers of the status fields health checks look at, shared by the per-kind
modules: numbers, conditions and annotations of a raw object (`Mapping[str, Any]`).

A field of the wrong type raises `HealthError`, which the assessment turns into
`Unknown` with the message, as Argo CD does when a typed conversion fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.model import Health, HealthStatus


class HealthError(ValueError):
    """The object cannot be read as its kind (Argo CD: "failed to convert ... to typed")."""


def section(obj: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise HealthError(f"{name} is not an object")
    return value


def number(obj: Mapping[str, Any], name: str, default: int = 0) -> int:
    value = obj.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HealthError(f"{name} is not a number: {value!r}")
    return int(value)


def optional_number(obj: Mapping[str, Any], name: str) -> int | None:
    return None if obj.get(name) is None else number(obj, name)


def items(obj: Mapping[str, Any], name: str) -> Sequence[Any]:
    value = obj.get(name)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise HealthError(f"{name} is not a list")
    return value


def conditions(status: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in items(status, "conditions") if isinstance(c, Mapping)]


def condition(status: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions(status) if c.get("type") == kind), None)


def text(obj: Mapping[str, Any] | None, name: str) -> str:
    value = (obj or {}).get(name)
    return "" if value is None else str(value)


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return section(section(obj, "metadata"), "annotations")


def generation(obj: Mapping[str, Any]) -> int:
    return number(section(obj, "metadata"), "generation")


def unobserved(obj: Mapping[str, Any], what: str) -> Health | None:
    """Progressing while the controller has not seen the latest spec (kubectl's rollout
    status rule, shared by the workload checks); None once it has."""
    if generation(obj) > number(section(obj, "status"), "observedGeneration"):
        return Health(
            HealthStatus.PROGRESSING,
            f"Waiting for rollout to finish: observed {what} generation less than desired "
            "generation",
        )
    return None
