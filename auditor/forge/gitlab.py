"""`GitLabForge`: merge requests, commit statuses and merge-request notes through GitLab's
REST API (v4) with python-gitlab (gitlab.com or self-hosted via `url`). GitLab names the
states of a status its own way (`failed`, `running`): `set_status` takes GitHub's."""

from __future__ import annotations

from typing import Any

import gitlab
from gitlab.exceptions import GitlabError

from auditor.forge.port import ForgeError, PullRequest

DEFAULT_URL = "https://gitlab.com"
# GitHub's status states (what the service speaks) as GitLab's commit-status states.
STATES = {
    "pending": "pending",
    "running": "running",
    "success": "success",
    "failure": "failed",
    "error": "failed",
}


class GitLabForge:
    def __init__(self, *, repo: str, token: str, url: str = "", timeout: float = 60.0) -> None:
        self.path = repo
        self._gl = gitlab.Gitlab(
            url or DEFAULT_URL,
            private_token=token or None,
            timeout=timeout,
            retry_transient_errors=False,
        )
        self._project: Any = None

    def _proj(self) -> Any:
        if self._project is None:
            try:
                self._project = self._gl.projects.get(self.path)
            except GitlabError as exc:
                raise _error(f"get project {self.path}", exc) from exc
        return self._project

    def find_open(self, *, head: str) -> PullRequest | None:
        try:
            found = self._proj().mergerequests.list(
                state="opened", source_branch=head, get_all=False
            )
        except GitlabError as exc:
            raise _error(f"list merge requests of {self.path}", exc) from exc
        for mr in found:
            return PullRequest(number=int(mr.iid), url=str(mr.web_url), head=head)
        return None

    def create(self, *, head: str, base: str, title: str, body: str) -> PullRequest:
        data = {"source_branch": head, "target_branch": base, "title": title, "description": body}
        try:
            mr = self._proj().mergerequests.create(data)
        except GitlabError as exc:
            raise _error(f"open a merge request on {self.path}", exc) from exc
        return PullRequest(number=int(mr.iid), url=str(mr.web_url), head=head, created=True)

    def update(self, number: int, *, title: str, body: str) -> PullRequest:
        try:
            mr = self._proj().mergerequests.update(number, {"title": title, "description": body})
        except GitlabError as exc:
            raise _error(f"update merge request !{number} of {self.path}", exc) from exc
        return PullRequest(
            number=int(mr.get("iid", number)),
            url=str(mr.get("web_url", "")),
            head=str(mr.get("source_branch", "")),
        )

    def set_status(self, sha: str, *, state: str, context: str, description: str) -> None:
        """A commit status on `sha` (`pending`, `running`, `success`, `failure`, `error`;
        the last two are GitLab's `failed`), named `context`."""
        if state not in STATES:
            raise ForgeError(f"GitLab: unknown commit status state {state!r}")
        data = {"state": STATES[state], "name": context, "description": description[:255]}
        try:
            self._proj().commits.get(sha, lazy=True).statuses.create(data)
        except GitlabError as exc:
            raise _error(f"set the status of {sha[:12]} on {self.path}", exc) from exc

    def comment(self, number: int, body: str, *, existing: str | None = None) -> str:
        """Post `body` as a note on MR `number`, or update the note `existing` in place (a
        new one when that note is gone); returns the note's id."""
        notes = self._proj().mergerequests.get(number, lazy=True).notes
        if existing and existing.isdigit():
            try:
                notes.update(int(existing), {"body": body})
                return existing
            except GitlabError as exc:
                if exc.response_code != 404:
                    raise _error(f"update note {existing} on !{number}", exc) from exc
        try:
            note = notes.create({"body": body})
        except GitlabError as exc:
            raise _error(f"comment on merge request !{number} of {self.path}", exc) from exc
        return str(note.id)


def _error(what: str, exc: GitlabError) -> ForgeError:
    return ForgeError(f"GitLab: cannot {what}: HTTP {exc.response_code} {exc.error_message}")
