"""Typed policy errors: a policy that cannot be loaded (naming file and line) and an
engine that cannot be reached. Raised by the loaders and engines, rendered by the CLI."""

from __future__ import annotations

from auditor.errors import AuditorError, LocatedError


class PolicyError(AuditorError):
    """Base of policy errors."""


class PolicyLoadError(PolicyError, LocatedError):
    """A policy file is invalid (syntax, Rego v0, unknown function); names file and line."""


class PolicyEngineError(PolicyError):
    """The policy engine failed as a whole (OPA server unreachable or refusing)."""
