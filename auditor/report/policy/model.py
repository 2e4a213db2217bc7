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
    """A policy check: the revisions compared (empty for the working tree) and the apps.

    An app that could not be generated or rendered (its `error`) counts as an `error`
    (a gate must not pass what it did not check), or as a `warn` when `unrendered` says
    so (`check --unrendered warn`)."""

    apps: tuple[CheckedApp, ...]
    base: str = ""
    head: str = ""
    rules: Mapping[str, RuleDoc] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unrendered: str = "error"

    def total(self, severity: str) -> int:
        """Findings of `severity`: policy results, and the apps that could not be checked
        under the severity they count as; what the outputs print, row for row."""
        found = sum(app.count(severity) for app in self.apps)
        if severity == self.unrendered:
            found += sum(1 for app in self.apps if app.error)
        return found

    @property
    def outcome(self) -> CheckOutcome:
        if self.total("error"):
            return CheckOutcome.ERROR
        return CheckOutcome.FAIL if self.total("deny") else CheckOutcome.PASS


def location(violation: Violation) -> str:
    """`path:line` of the resource in the repo, or empty."""
    if violation.source is None:
        return ""
    return f"{violation.source.path}:{violation.source.line}"


def subject(violation: Violation) -> str:
    return str(violation.resource) if violation.resource else "(app)"
