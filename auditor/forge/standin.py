"""A local stand-in for GitHub's and GitLab's REST APIs, as far as the service uses them:
pull (merge) requests, commit statuses, and comments on a pull request (GitHub's issue
comments, GitLab's merge-request notes), created and edited in place (stdlib HTTP server
on 127.0.0.1, in a thread). It answers the calls the PR step and the pull-request gate
make, as those APIs document them, refuses anything else with 4xx, and records every
request: the contract tests and the demo (labelled as a stand-in) use it. Not a forge:
nothing is persisted. PRs opened elsewhere (the ones a webhook names) are declared with
`add_pull` / `add_merge_request`.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class ForgeStandIn:
    """State of the stand-in: repositories/projects known, PRs opened, requests seen."""

    url: str = ""
    repos: set[str] = field(default_factory=set)
    pulls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    comment_ids: Iterator[int] = field(default_factory=lambda: itertools.count(5001))
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_repo(self, repo: str) -> None:
        self.repos.add(repo)
        self.pulls.setdefault(repo, [])

    def add_pull(self, repo: str, number: int, *, head: str, base: str = "main") -> None:
        """A GitHub pull request opened by someone else (by its number)."""
        self.add_repo(repo)
        owner = repo.split("/", 1)[0]
        self.pulls[repo].append(
            {
                "number": number,
                "id": 1000 + number,
                "state": "open",
                "title": f"PR {number}",
                "body": "",
                "url": f"{self.url}/repos/{repo}/pulls/{number}",
                "html_url": f"{self.url}/{repo}/pull/{number}",
                "head": {"ref": head, "label": f"{owner}:{head}"},
                "base": {"ref": base},
            }
        )

    def add_merge_request(self, project: str, iid: int, *, source: str, target: str) -> None:
        """A GitLab merge request opened by someone else (by its iid)."""
        self.add_repo(project)
        self.pulls[project].append(
            {
                "id": 2000 + iid,
                "iid": iid,
                "state": "opened",
                "web_url": f"{self.url}/{project}/-/merge_requests/{iid}",
                "source_branch": source,
                "target_branch": target,
                "title": f"MR {iid}",
                "description": "",
            }
        )

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["repo"] == repo and c["number"] == number]


STATES = {"error", "failure", "pending", "success"}
GITLAB_STATES = {"pending", "running", "success", "failed", "canceled", "skipped"}


def _text(body: Any, key: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) and value else None


def _next(items: list[dict[str, Any]], key: str) -> int:
    return max((int(i[key]) for i in items), default=0) + 1


def _comment(
    forge: ForgeStandIn, repo: str, number: int, body: str, **extra: Any
) -> dict[str, Any]:
    made = {
        "id": next(forge.comment_ids),
        "repo": repo,
        "number": number,
        "body": body,
        "edits": 0,
        **extra,
    }
    forge.comments.append(made)
    return made


def _github_issue(forge: ForgeStandIn, call: Call) -> tuple[int, Any] | None:
    """Comments on a PR's conversation: POST an issue comment, PATCH one (its id alone
    names it, within the repository)."""
    m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/issues/(\d+/comments|comments/\d+)", call.path)
    if m is None:
        return None
    repo, rest = f"{m.group(1)}/{m.group(2)}", m.group(3)
    if repo not in forge.repos:
        return 404, {"message": "Not Found"}
    base = f"{forge.url}/repos/{repo}"
    if rest.endswith("/comments") and call.method == "POST":
        number = int(rest.split("/")[0])
        if not any(p["number"] == number for p in forge.pulls[repo]):
            return 404, {"message": "Not Found"}
        text = _text(call.body, "body")
        if text is None or set(call.body) != {"body"}:
            return 422, {"message": "expected a body and nothing else"}
        made = _comment(forge, repo, number, text)
        return 201, _github_view(made, base=base, url=forge.url)
    if rest.startswith("comments/") and call.method == "PATCH":
        ident = int(rest.split("/")[1])
        found = next((c for c in forge.comments if c["id"] == ident and c["repo"] == repo), None)
        if found is None:
            return 404, {"message": "Not Found"}
        text = _text(call.body, "body")
        if text is None or set(call.body) != {"body"}:
            return 422, {"message": "expected a body and nothing else"}
        found["body"], found["edits"] = text, found["edits"] + 1
        return 200, _github_view(found, base=base, url=forge.url)
    return 404, {"message": "Not Found"}


def _github_view(comment: dict[str, Any], *, base: str, url: str) -> dict[str, Any]:
    return {
        "id": comment["id"],
        "body": comment["body"],
        "url": f"{base}/issues/comments/{comment['id']}",
        "issue_url": f"{base}/issues/{comment['number']}",
        "html_url": f"{url}/{comment['repo']}/pull/{comment['number']}"
        f"#issuecomment-{comment['id']}",
        "user": {"login": "gitops-auditor"},
    }


def _github_commit(forge: ForgeStandIn, call: Call) -> tuple[int, Any] | None:
    """GET a commit, POST a commit status (GitHub's statuses API)."""
    m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/(commits|statuses)/([0-9a-f]{40})", call.path)
    if m is None:
        return None
    repo, what, sha = f"{m.group(1)}/{m.group(2)}", m.group(3), m.group(4)
    if repo not in forge.repos:
        return 404, {"message": "Not Found"}
    if what == "commits" and call.method == "GET":
        return 200, {"sha": sha, "url": f"{forge.url}/repos/{repo}/commits/{sha}"}
    if what == "statuses" and call.method == "POST":
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("state") not in STATES or not body.get("context"):
            return 422, {"message": "expected state and context"}
        if len(str(body.get("description", ""))) > 140:
            return 422, {"message": "description is too long (maximum is 140 characters)"}
        status = {"id": len(forge.statuses) + 1, "sha": sha, "repo": repo, **body}
        forge.statuses.append(status)
        return 201, status
    return 404, {"message": "Not Found"}


def _github(forge: ForgeStandIn, call: Call) -> tuple[int, Any]:
    commit = _github_commit(forge, call) or _github_issue(forge, call)
    if commit is not None:
        return commit
    m = re.fullmatch(r"/repos/([^/]+)/([^/]+)(/pulls(?:/(\d+))?)?", call.path)
    if m is None:
        return 404, {"message": "Not Found"}
    repo = f"{m.group(1)}/{m.group(2)}"
    if repo not in forge.repos:
        return 404, {"message": "Not Found"}
    base = f"{forge.url}/repos/{repo}"
    if m.group(3) is None and call.method == "GET":
        return 200, {
            "id": 1,
            "name": m.group(2),
            "full_name": repo,
            "owner": {"login": m.group(1)},
            "url": base,
            "html_url": f"{forge.url}/{repo}",
            "default_branch": "main",
        }
    pulls = forge.pulls[repo]
    number = m.group(4)
    if number is None and call.method == "GET":
        head = call.query.get("head", "")
        if call.query.get("state") != "open" or ":" not in head:
            return 422, {"message": "expected state=open and head=owner:branch"}
        return 200, [p for p in pulls if p["state"] == "open" and p["head"]["label"] == head]
    if number is None and call.method == "POST":
        body = call.body if isinstance(call.body, dict) else {}
        missing = [k for k in ("title", "head", "base", "body") if not body.get(k)]
        if missing:
            return 422, {"message": f"missing {missing}"}
        n = _next(pulls, "number")
        pr = {
            "number": n,
            "id": 1000 + n,
            "state": "open",
            "title": body["title"],
            "body": body["body"],
            "url": f"{base}/pulls/{n}",
            "html_url": f"{forge.url}/{repo}/pull/{n}",
            "head": {"ref": body["head"], "label": f"{m.group(1)}:{body['head']}"},
            "base": {"ref": body["base"]},
        }
        pulls.append(pr)
        return 201, pr
    found = next((p for p in pulls if str(p["number"]) == number), None)
    if found is None:
        return 404, {"message": "Not Found"}
    if call.method == "GET":
        return 200, found
    if call.method == "PATCH":
        body = call.body if isinstance(call.body, dict) else {}
        unknown = set(body) - {"title", "body", "state", "base"}
        if unknown:
            return 422, {"message": f"unknown fields {sorted(unknown)}"}
        found.update(body)
        return 200, found
    return 404, {"message": "Not Found"}


def _gitlab(forge: ForgeStandIn, call: Call) -> tuple[int, Any]:
    m = re.fullmatch(
        r"/api/v4/projects/([^/]+)(/merge_requests(?:/(\d+)(/notes(?:/(\d+))?)?)?"
        r"|/statuses/([0-9a-f]{40}))?",
        call.path,
    )
    if m is None:
        return 404, {"message": "404 Not Found"}
    ident = m.group(1)
    projects = sorted(forge.repos)
    by_id = {str(i + 1): p for i, p in enumerate(projects)}
    by_path = {quote(p, safe=""): p for p in projects}
    project = by_id.get(ident) or by_path.get(ident)
    if project is None:
        return 404, {"message": "404 Project Not Found"}
    pid = projects.index(project) + 1
    if m.group(2) is None and call.method == "GET":
        if ident not in by_path:
            return 422, {"message": "expected the URL-encoded project path"}
        return 200, {
            "id": pid,
            "path_with_namespace": project,
            "web_url": f"{forge.url}/{project}",
            "default_branch": "main",
        }
    if ident not in by_id:
        return 422, {"message": "expected the numeric project id"}
    if m.group(6) is not None:
        return _gitlab_status(forge, call, project=project, sha=m.group(6))
    mrs = forge.pulls[project]
    iid = m.group(3)
    if m.group(4) is not None:
        found_mr = next((r for r in mrs if str(r["iid"]) == iid), None)
        if found_mr is None:
            return 404, {"message": "404 Not found"}
        return _gitlab_note(forge, call, project=project, iid=int(iid), note=m.group(5))
    if iid is None and call.method == "GET":
        if call.query.get("state") != "opened" or "source_branch" not in call.query:
            return 422, {"message": "expected state=opened and source_branch"}
        branch = call.query["source_branch"]
        return 200, [r for r in mrs if r["state"] == "opened" and r["source_branch"] == branch]
    if iid is None and call.method == "POST":
        body = call.body if isinstance(call.body, dict) else {}
        required = ("source_branch", "target_branch", "title", "description")
        missing = [k for k in required if not body.get(k)]
        if missing:
            return 422, {"message": f"missing {missing}"}
        n = _next(mrs, "iid")
        mr = {
            "id": 2000 + n,
            "iid": n,
            "project_id": pid,
            "state": "opened",
            "web_url": f"{forge.url}/{project}/-/merge_requests/{n}",
            **{k: body[k] for k in required},
        }
        mrs.append(mr)
        return 201, mr
    found = next((r for r in mrs if str(r["iid"]) == iid), None)
    if found is None:
        return 404, {"message": "404 Not found"}
    if call.method == "PUT":
        body = call.body if isinstance(call.body, dict) else {}
        unknown = set(body) - {"title", "description", "target_branch", "state_event"}
        if unknown:
            return 422, {"message": f"unknown fields {sorted(unknown)}"}
        found.update(body)
        return 200, found
    return 404, {"message": "404 Not found"}


def _gitlab_status(forge: ForgeStandIn, call: Call, *, project: str, sha: str) -> tuple[int, Any]:
    """POST a commit status (GitLab's `state`: pending, running, success, failed...)."""
    if call.method != "POST":
        return 404, {"message": "404 Not found"}
    body = call.body if isinstance(call.body, dict) else {}
    if body.get("state") not in GITLAB_STATES:
        return 400, {"message": "state is missing or does not have a valid value"}
    unknown = set(body) - {
        "state",
        "ref",
        "name",
        "context",
        "target_url",
        "description",
        "coverage",
        "pipeline_id",
    }
    if unknown:
        return 400, {"message": f"unknown fields {sorted(unknown)}"}
    status = {"id": len(forge.statuses) + 1, "sha": sha, "repo": project, **body}
    forge.statuses.append(status)
    return 201, {**status, "status": body["state"], "name": body.get("name", "default")}


def _gitlab_note(
    forge: ForgeStandIn, call: Call, *, project: str, iid: int, note: str | None
) -> tuple[int, Any]:
    """POST a note on a merge request, PUT one to edit its body."""
    text = _text(call.body, "body")
    if note is None and call.method == "POST":
        if text is None:
            return 400, {"message": "body is missing"}
        made = _comment(forge, project, iid, text, noteable_type="MergeRequest")
        return 201, _gitlab_view(made)
    if note is not None and call.method == "PUT":
        found = next((c for c in forge.comments_on(project, iid) if str(c["id"]) == note), None)
        if found is None:
            return 404, {"message": "404 Note Not Found"}
        if text is None:
            return 400, {"message": "body is missing"}
        found["body"], found["edits"] = text, found["edits"] + 1
        return 200, _gitlab_view(found)
    return 404, {"message": "404 Not found"}


def _gitlab_view(comment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": comment["id"],
        "body": comment["body"],
        "noteable_type": "MergeRequest",
        "noteable_iid": comment["number"],
        "system": False,
        "author": {"username": "gitops-auditor"},
    }


def _handler(forge: ForgeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            call = Call(self.command, split.path, query, body)
            with forge.lock:
                forge.calls.append(call)
                route = _gitlab if split.path.startswith("/api/v4/") else _github
                status, data = route(forge, call)
                if status >= 400:
                    forge.violations.append(f"{call.method} {self.path}: {status} {data}")
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = _serve

    return Handler


@contextmanager
def forge_standin(*repos: str) -> Iterator[ForgeStandIn]:
    """Serve a `ForgeStandIn` on 127.0.0.1 (an ephemeral port) while the block runs."""
    forge = ForgeStandIn()
    for repo in repos:
        forge.add_repo(repo)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(forge))
    forge.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield forge
    finally:
        server.shutdown()
        server.server_close()
