"""`GitLabForge`: merge requests through GitLab's REST API (v4) with python-gitlab
(gitlab.com or self-hosted via `url`)."""

from __future__ import annotations

from typing import Any

import gitlab
from gitlab.exceptions import GitlabError

from auditor.forge.port import ForgeError, PullRequest

DEFAULT_URL = "https://gitlab.com"


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


def _error(what: str, exc: GitlabError) -> ForgeError:
    return ForgeError(f"GitLab: cannot {what}: HTTP {exc.response_code} {exc.error_message}")
