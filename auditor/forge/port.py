"""The `Forge` port (what the PR step needs of GitHub or GitLab), `ReviewForge` (what the
pull-request gate needs too: commit statuses and one comment per PR), and
`open_or_update`: search open PRs by head branch first, then edit the one found or open a
new one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from auditor.errors import AuditorError


class ForgeError(AuditorError):
    """The forge refused or could not be reached; the message says which call."""


@dataclass(frozen=True)
class PullRequest:
    """An open pull (merge) request: its number (GitLab's iid) and web URL."""

    number: int
    url: str
    head: str
    created: bool = False


class Forge(Protocol):
    """Pull requests on one repository (GitHub) or project (GitLab)."""

    def find_open(self, *, head: str) -> PullRequest | None: ...

    def create(self, *, head: str, base: str, title: str, body: str) -> PullRequest: ...

    def update(self, number: int, *, title: str, body: str) -> PullRequest: ...


class ReviewForge(Forge, Protocol):
    """A forge that also reports on pull requests: a commit status on a SHA (`pending`,
    `success`, `failure`, `error`) and a comment on a PR, edited in place when `existing`
    (the id an earlier call returned) is given."""

    def set_status(self, sha: str, *, state: str, context: str, description: str) -> None: ...

    def comment(self, number: int, body: str, *, existing: str | None = None) -> str: ...


def open_or_update(forge: Forge, *, head: str, base: str, title: str, body: str) -> PullRequest:
    """One open PR per head branch: a later run updates it, never duplicates it."""
    found = forge.find_open(head=head)
    if found is not None:
        return forge.update(found.number, title=title, body=body)
    return forge.create(head=head, base=base, title=title, body=body)
