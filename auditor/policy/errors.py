"""Typed policy errors: a policy that cannot be loaded (naming file and line) and an
engine that cannot be reached. Raised by the loaders and engines, rendered by the CLI."""

from __future__ import annotations

from auditor.errors import AuditorError


class PolicyError(AuditorError):
    """Base of policy errors."""


class PolicyLoadError(PolicyError):
    """A policy file is invalid (syntax, Rego v0, unknown function); names file and line."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class PolicyEngineError(PolicyError):
    """The policy engine failed as a whole (OPA server unreachable or refusing)."""
