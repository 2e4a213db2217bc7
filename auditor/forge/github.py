"""`GitHubForge`: pull requests, commit statuses and pull-request comments through GitHub's
REST API with PyGithub (github.com or GitHub Enterprise via `base_url`, e.g.
`https://ghe.example.com/api/v3`). A PR's conversation comments are its issue's comments."""

from __future__ import annotations

from typing import Any

from github import Auth, Github, GithubException

from auditor.forge.port import ForgeError, PullRequest

DEFAULT_URL = "https://api.github.com"


class GitHubForge:
    def __init__(self, *, repo: str, token: str, base_url: str = "", timeout: float = 60.0) -> None:
        self.repo_name = repo
        self.owner = repo.split("/", 1)[0]
        self._gh = Github(
            auth=Auth.Token(token) if token else None,
            base_url=base_url or DEFAULT_URL,
            timeout=int(max(1, timeout)),
            retry=None,
        )
        self._repo: Any = None

    def _repository(self) -> Any:
        if self._repo is None:
            try:
                self._repo = self._gh.get_repo(self.repo_name)
            except GithubException as exc:
                raise _error(f"get repository {self.repo_name}", exc) from exc
        return self._repo

    def find_open(self, *, head: str) -> PullRequest | None:
        repo = self._repository()
        try:
            for pr in repo.get_pulls(state="open", head=f"{self.owner}:{head}"):
                return PullRequest(number=pr.number, url=pr.html_url, head=head)
        except GithubException as exc:
            raise _error(f"list pull requests of {self.repo_name}", exc) from exc
        return None

    def create(self, *, head: str, base: str, title: str, body: str) -> PullRequest:
        repo = self._repository()
        try:
            pr = repo.create_pull(title=title, body=body, head=head, base=base)
        except GithubException as exc:
            raise _error(f"open a pull request on {self.repo_name}", exc) from exc
        return PullRequest(number=pr.number, url=pr.html_url, head=head, created=True)

    def update(self, number: int, *, title: str, body: str) -> PullRequest:
        repo = self._repository()
        try:
            pr = repo.get_pull(number)
            pr.edit(title=title, body=body)
        except GithubException as exc:
            raise _error(f"update pull request #{number} of {self.repo_name}", exc) from exc
        return PullRequest(number=pr.number, url=pr.html_url, head=pr.head.ref)

    def set_status(self, sha: str, *, state: str, context: str, description: str) -> None:
        """A commit status (`error`, `failure`, `pending`, `success`) on `sha`."""
        repo = self._repository()
        try:
            repo.get_commit(sha).create_status(
                state=state, context=context, description=description[:140]
            )
        except GithubException as exc:
            raise _error(f"set the status of {sha[:12]} on {self.repo_name}", exc) from exc

    def comment(self, number: int, body: str, *, existing: str | None = None) -> str:
        """Post `body` on PR `number`, or edit the comment `existing` in place (a new one
        when that comment is gone); returns the comment's id."""
        # Lazily: each comment is one request (no GET of the repository, issue or comment).
        issue = self._gh.withLazy(True).get_repo(self.repo_name).get_issue(number)
        if existing and existing.isdigit():
            try:
                issue.get_comment(int(existing)).edit(body)
                return existing
            except GithubException as exc:
                if exc.status != 404:
                    raise _error(f"edit comment {existing} on #{number}", exc) from exc
        try:
            made = issue.create_comment(body)
        except GithubException as exc:
            raise _error(f"comment on #{number} of {self.repo_name}", exc) from exc
        return str(made.id)


def _error(what: str, exc: GithubException) -> ForgeError:
    data = exc.data if isinstance(exc.data, dict) else {}
    return ForgeError(f"GitHub: cannot {what}: HTTP {exc.status} {data.get('message', '')}".strip())
