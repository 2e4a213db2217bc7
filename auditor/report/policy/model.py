"""The values the policy reports render: a check of some apps between two revisions.

Built by the `check` command from the pipeline's results; every output format is a pure
function of a `CheckReport`. Its `outcome` is conftest's verdict: pass, fail (a deny),
or error (an app or a rule could not be checked); the CLI maps it to the exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from auditor.model import Violation


class CheckOutcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"  # a deny that is not waived
    ERROR = "error"  # an app or a rule could not be checked


@dataclass(frozen=True)
class RuleDoc:
    """What a policy is, for SARIF rules and the markdown details."""

    id: str
    title: str = ""
    description: str = ""
    severity: str = "deny"


@dataclass(frozen=True)
class CheckedApp:
    """One app of a check: its findings, its desired-state diff, and any error."""

    name: str
    path: str = ""
    violations: tuple[Violation, ...] = ()
    diff: str = ""
    error: str | None = None
    notes: tuple[str, ...] = ()

    def count(self, severity: str) -> int:
        return sum(1 for v in self.violations if v.severity == severity and not v.waived)

    @property
    def waived(self) -> int:
        return sum(1 for v in self.violations if v.waived)


@dataclass(frozen=True)
class CheckReport:
    """A policy check: the revisions compared (empty for the working tree) and the apps."""

    apps: tuple[CheckedApp, ...]
    base: str = ""
    head: str = ""
    rules: Mapping[str, RuleDoc] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def total(self, severity: str) -> int:
        return sum(app.count(severity) for app in self.apps)

    @property
    def outcome(self) -> CheckOutcome:
        if any(app.error for app in self.apps) or self.total("error"):
            return CheckOutcome.ERROR
        return CheckOutcome.FAIL if self.total("deny") else CheckOutcome.PASS


def location(violation: Violation) -> str:
    """`path:line` of the resource in the repo, or empty."""
    if violation.source is None:
        return ""
    return f"{violation.source.path}:{violation.source.line}"


def subject(violation: Violation) -> str:
    return str(violation.resource) if violation.resource else "(app)"
