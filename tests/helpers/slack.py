"""A local HTTP server standing in for Slack's side of a command: the `response_url` a
slash command carries. It checks the contract of each answer (JSON, a `text`, Block Kit
blocks of known types within Slack's limits, buttons with an action id and a value,
`response_type` and `replace_original` as Slack reads them) and keeps the answers. Tests
that use it are marked `contract`."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

from tests.helpers.http import serving

BLOCK_TYPES = {"section", "context", "actions", "divider", "header"}


def contract_problems(body: Any) -> list[str]:
    """What breaks Slack's contract for a message sent to a response_url."""
    problems = []
    if not isinstance(body, dict):
        return ["not a JSON object"]
    if not isinstance(body.get("text"), str) or not body["text"]:
        problems.append("no text (the notification fallback)")
    if body.get("response_type", "ephemeral") not in ("ephemeral", "in_channel"):
        problems.append(f"response_type {body.get('response_type')!r}")
    if not isinstance(body.get("replace_original", False), bool):
        problems.append("replace_original is not a boolean")
    blocks = body.get("blocks", [])
    if not isinstance(blocks, list) or len(blocks) > 50:
        problems.append("blocks: not a list of at most 50")
        return problems
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            problems.append(f"block {i}: type {kind!r}")
        if kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text") or not text.get("text"):
                problems.append(f"block {i}: section without text")
            elif len(text["text"]) > 3000:
                problems.append(f"block {i}: section text over 3,000 characters")
        if kind == "actions":
            for element in block.get("elements", []):
                if element.get("type") != "button" or not element.get("action_id"):
                    problems.append(f"block {i}: an element that is not a button with an id")
                if len(str(element.get("value", ""))) > 2000:
                    problems.append(f"block {i}: a button value over 2,000 characters")
    return problems


TOKEN = "xoxb-contract-test-token"


@dataclass
class SlackSide:
    url: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # Web API calls
    replies: list[dict[str, Any]] = field(default_factory=list)  # and what each got
    rate_limit_next: int = 0  # answer this many Web API calls with 429 first
    failing: set[str] = field(default_factory=set)  # channels whose posts fail
    groups: dict[str, set[str]] = field(default_factory=dict)  # user group id -> members
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: int = 0

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def web_api(self, method: str, headers: Any, body: Any) -> tuple[int, dict[str, Any]]:
        """Slack's Web API for chat.postMessage and chat.update, checking the contract."""
        problems = []
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if method == "usergroups.list":
            with self._lock:
                self.calls.append((method, body if isinstance(body, dict) else {}))
            groups = [{"id": g, "users": sorted(u)} for g, u in sorted(self.groups.items())]
            return 200, {"ok": True, "usergroups": groups}
        if method not in ("chat.postMessage", "chat.update"):
            problems.append(f"unexpected method {method}")
        if not isinstance(body, dict) or not body.get("channel"):
            problems.append(f"{method} without a channel")
            body = body if isinstance(body, dict) else {}
        if method == "chat.update" and not body.get("ts"):
            problems.append("chat.update without ts")
        problems += contract_problems(body)
        with self._lock:
            self.problems.extend(problems)
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return 429, {"ok": False, "error": "ratelimited"}
            self.calls.append((method, body))
            channel = str(body.get("channel", ""))
            if channel.lstrip("#").upper() in self.failing:
                self.replies.append({"ok": False})
                return 200, {"ok": False, "error": "channel_not_found"}
            self._ts += 1
            ts = body.get("ts") or f"1700000000.{self._ts:06}"
            reply = {"ok": True, "channel": "C" + channel.lstrip("#").upper(), "ts": ts}
            self.replies.append(reply)
            return 200, reply

    def response_url(self, name: str = "1") -> str:
        return f"{self.url}/response/{name}"

    def texts(self) -> list[str]:
        """Every answer as one text: its fallback and all its block texts."""
        out = []
        for answer in self.answers:
            parts = [answer.get("text", "")]
            for block in answer.get("blocks", []):
                parts.append((block.get("text") or {}).get("text", ""))
                for element in block.get("elements", []):
                    label = element.get("text", "")
                    parts.append(label.get("text", "") if isinstance(label, dict) else label)
            out.append("\n".join(parts))
        return out


@contextmanager
def slack_side() -> Iterator[SlackSide]:
    """The server, on a free loopback port, for the block's duration."""
    side: SlackSide

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.startswith("/api/"):
                status, answer = side.web_api(self.path[5:], self.headers, _json(raw))
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(answer).encode())
                return
            try:
                body = json.loads(raw)
                problems = [] if self.path.startswith("/response/") else [f"path {self.path}"]
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                    problems.append("not sent as application/json")
                problems += contract_problems(body)
            except ValueError:
                body, problems = {}, ["not JSON"]
            with side._lock:
                side.answers.append(body)
                side.problems.extend(problems)
            self.send_response(400 if problems else 200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"invalid" if problems else b"ok")

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            method = self.path.split("?", 1)[0][5:] if self.path.startswith("/api/") else ""
            status, answer = side.web_api(method, self.headers, {})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    side = SlackSide(url=f"http://127.0.0.1:{server.server_address[1]}")
    with serving(server):
        yield side


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def signed(
    secret: str, fields: dict[str, str], *, at: float | None = None
) -> tuple[str, dict[str, str]]:
    """A form body and its headers, signed as Slack signs requests (v0, HMAC-SHA256 of
    `v0:<timestamp>:<body>`)."""
    body = urlencode(fields)
    return body, signature_headers(secret, body, "application/x-www-form-urlencoded", at=at)


def signature_headers(
    secret: str, body: str, content_type: str, *, at: float | None = None
) -> dict[str, str]:
    """Slack's v0 signature of `body` at `at` (default now), as request headers."""
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": content_type,
    }


def command(text: str, *, user: str = "U0VIEWER", response_url: str = "") -> dict[str, str]:
    """The fields of a `/gitops` slash command request."""
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0TEAM",
        "team_domain": "acme",
        "channel_id": "C0OPS",
        "channel_name": "ops",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/gitops",
        "text": text,
        "api_app_id": "A0APP",
        "response_url": response_url or "http://127.0.0.1:9/response/none",
        "trigger_id": "1.2.3",
    }


def button_click(action_id: str, value: str, *, user: str, response_url: str) -> dict[str, str]:
    """The form of an interactivity request: a click on a message button."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "team": {"id": "T0TEAM", "domain": "acme"},
        "channel": {"id": "C0OPS", "name": "ops"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0OPS"},
        "trigger_id": f"{time.time_ns()}.1",  # each click is its own delivery
        "response_url": response_url,
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
             "text": {"type": "plain_text", "text": action_id}, "action_ts": "1.3"}
        ],
    }  # fmt: skip
    return {"payload": json.dumps(payload)}


def buttons(answer: dict[str, Any]) -> dict[str, str]:
    """A message's buttons: action id -> value."""
    return {
        e["action_id"]: e.get("value", "")
        for block in answer.get("blocks", [])
        if block.get("type") == "actions"
        for e in block.get("elements", [])
    }


def mention_event(text: str, *, user: str, ts: str, event_id: str) -> str:
    """The JSON body of an Events API delivery of an `app_mention`."""
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0TEAM", "user_id": "U0BOT", "is_bot": True}],
            "event": {
                "type": "app_mention",
                "user": user,
                "text": text,
                "ts": ts,
                "channel": "C0OPS",
                "event_ts": ts,
            },
        }
    )


def signed_json(secret: str, body: str, *, at: float | None = None) -> dict[str, str]:
    """The headers of a signed JSON delivery (Events API)."""
    return signature_headers(secret, body, "application/json", at=at)


@dataclass
class SocketSide:
    """Slack's side of Socket Mode: `apps.connections.open` (checked for the app token)
    hands out a WebSocket URL; the socket says hello, sends the envelopes queued in
    `outgoing`, and keeps the client's acks in `acks`."""

    url: str = ""
    app_token: str = "xapp-1-contract-test"
    outgoing: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    connections: int = 0

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"


@contextmanager
def socket_mode_side() -> Iterator[SocketSide]:
    """The stand-in on a free loopback port (aiohttp, in its own thread and loop)."""
    import asyncio

    from aiohttp import WSMsgType, web

    side = SocketSide()

    async def connections_open(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {side.app_token}":
            side.problems.append("apps.connections.open without the app token")
            return web.json_response({"ok": False, "error": "invalid_auth"})
        side.connections += 1
        return web.json_response({"ok": True, "url": side.url.replace("http", "ws") + "/link"})

    async def link(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A0APP"}})  # fmt: skip
        sent = 0
        while not socket.closed:
            while sent < len(side.outgoing):
                await socket.send_json(side.outgoing[sent])
                sent += 1
            try:
                message = await socket.receive(timeout=0.1)
            except TimeoutError:
                continue
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" not in data:
                    side.problems.append(f"a message that is no ack: {data}")
                side.acks.append(data)
            elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                break
        return socket

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/api/apps.connections.open", connections_open)
    app.router.add_get("/link", link)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    side.url = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield side
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
