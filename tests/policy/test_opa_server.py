"""The OPA server engine against a local HTTP server that checks OPA's REST contract
(policies, data, queries with `input`, health, the undefined result) and answers what a
real OPA would for these small policies; plus a parity test against a real OPA."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from auditor.config import PolicyConfig
from auditor.model import RenderedApp
from auditor.pipeline import Pipeline
from auditor.policy import PolicyEngineError, build_engine, load_policy_set
from auditor.policy.opa_server import OpaServerPolicyEngine
from auditor.policy.rego import RegoPolicyEngine
from tests.helpers.http import serving

POLICY = """package main

import rego.v1

deny contains msg if {
	input.kind == "Pod"
	msg := sprintf("pod %s", [input.metadata.name])
}

warn contains "numbered" if to_number(input.metadata.name) > 0
"""
TOKEN = "s3cret"


class FakeOpa(BaseHTTPRequestHandler):
    """Checks each request against OPA's REST API and answers like OPA 1.x would."""

    calls: list[tuple[str, str, Any]] = []
    problems: list[str] = []
    healthy = True

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self, status: int, body: Any = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _auth(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.problems.append(f"{self.command} {self.path}: missing bearer token")
            self._reply(401, {"code": "unauthorized", "message": "missing token"})
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802
        self.calls.append(("GET", self.path, None))
        if self.path == "/health":
            self._reply(200 if self.healthy else 500, {})
        else:
            self._reply(404, {"code": "resource_not_found"})

    def do_PUT(self) -> None:  # noqa: N802
        body = self._body()
        if not self._auth():
            return
        if self.path.startswith("/v1/policies/"):
            if self.headers.get("Content-Type") != "text/plain":
                self.problems.append("policy upload is not text/plain")
            self.calls.append(("PUT", self.path, body.decode()))
            self._reply(200, {})
        elif self.path.startswith("/v1/data/"):
            self.calls.append(("PUT", self.path, json.loads(body)))
            self._reply(204)
        else:
            self._reply(404, {"code": "resource_not_found"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self._body())
        if not self._auth():
            return
        self.calls.append(("POST", self.path, body))
        if set(body) != {"input"}:
            self.problems.append(f"query body is not {{'input': ...}}: {body}")
        name = body["input"].get("metadata", {}).get("name", "")
        kind = body["input"].get("kind")
        path, _, query = self.path.partition("?")
        if query != "strict-builtin-errors=true":
            self.problems.append(f"query without strict-builtin-errors: {self.path}")
        deny = [f"pod {name}"] if kind == "Pod" else []
        numeric = name.isdigit()
        if path == "/v1/data/gitops_auditor_eval/resource":
            if not numeric and name.startswith("n"):  # to_number("n...") fails
                self._reply(
                    500,
                    {
                        "code": "internal_error",
                        "errors": [
                            {"code": "eval_builtin_error", "message": "to_number: invalid syntax"}
                        ],
                    },
                )
                return
            warn = ["numbered"] if numeric and int(name) > 0 else []
            self._reply(200, {"result": {"main/deny": [deny], "main/warn": [warn]}})
        elif path == "/v1/data/main/deny":
            self._reply(200, {"result": deny})
        elif path == "/v1/data/main/warn":
            self._reply(
                500,
                {
                    "code": "internal_error",
                    "errors": [
                        {"code": "eval_builtin_error", "message": "to_number: invalid syntax"}
                    ],
                },
            )
        else:
            self._reply(200, {})  # undefined document: no `result`


@pytest.fixture
def opa() -> Iterator[str]:
    FakeOpa.calls, FakeOpa.problems, FakeOpa.healthy = [], [], True
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), FakeOpa)) as url:
        yield url


def policies(tmp_path: Path, **data: Any):  # type: ignore[no-untyped-def]
    (tmp_path / "main.rego").write_text(POLICY)
    return load_policy_set(builtin=False, paths=[tmp_path], data=data)


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}}


@pytest.mark.contract
def test_opa_contract_pushes_policies_and_data(opa: str, tmp_path: Path) -> None:
    config = PolicyConfig(engine="opa", opa_url=opa, opa_token=TOKEN)
    engine = build_engine(policies(tmp_path, allowed_registries=["r.io"]), config=config)
    assert isinstance(engine, OpaServerPolicyEngine)
    assert FakeOpa.calls[0] == ("GET", "/health", None)
    puts = {path: body for method, path, body in FakeOpa.calls if method == "PUT"}
    assert puts[f"/v1/policies/gitops-auditor{tmp_path}/main.rego"] == POLICY
    assert (
        "package gitops_auditor_eval"
        in puts["/v1/policies/gitops-auditor/gitops_auditor_eval.rego"]
    )
    assert puts["/v1/data/allowed_registries"] == ["r.io"]
    assert puts["/v1/data/auditor"] == {}
    assert FakeOpa.problems == []


@pytest.mark.contract
def test_opa_contract_queries_with_input(opa: str, tmp_path: Path) -> None:
    engine = OpaServerPolicyEngine(policies(tmp_path), url=opa, token=TOKEN)
    first, second = engine.evaluate(scope="resource", context={}, resources=[pod("web"), pod("7")])
    assert first.values == {"main/deny": ("pod web",), "main/warn": ()}
    assert second.values == {"main/deny": ("pod 7",), "main/warn": ("numbered",)}
    posts = [(p, b) for m, p, b in FakeOpa.calls if m == "POST"]
    assert posts[0] == (
        "/v1/data/gitops_auditor_eval/resource?strict-builtin-errors=true",
        {"input": pod("web")},
    )
    assert FakeOpa.problems == []


@pytest.mark.contract
def test_opa_contract_runtime_error_names_the_rule(opa: str, tmp_path: Path) -> None:
    engine = OpaServerPolicyEngine(policies(tmp_path), url=opa, token=TOKEN)
    [out] = engine.evaluate(scope="resource", context={}, resources=[pod("nginx")])
    assert out.values == {"main/deny": ("pod nginx",)}
    assert out.errors == {"main/warn": "to_number: invalid syntax"}


@pytest.mark.contract
def test_opa_contract_undefined_result_is_no_results(opa: str, tmp_path: Path) -> None:
    engine = OpaServerPolicyEngine(policies(tmp_path), url=opa, token=TOKEN)
    [out] = engine.evaluate(scope="app", context={"app": {"name": "a"}}, resources=[pod("x")])
    assert out.values == {}  # no app-scoped rules: nothing queried
    answer = engine._client.query_rule({}, "main", "nothing")
    assert "result" not in answer


@pytest.mark.contract
def test_opa_contract_not_ready_is_a_typed_error(opa: str, tmp_path: Path) -> None:
    FakeOpa.healthy = False
    with pytest.raises(PolicyEngineError, match="not ready"):
        OpaServerPolicyEngine(policies(tmp_path), url=opa, token=TOKEN, ready_timeout=0.5)


@pytest.mark.skipif(
    not os.environ.get("OPA_URL"), reason="set OPA_URL to a running OPA to run the parity test"
)
def test_parity_with_a_real_opa(pipeline: Pipeline, example_repo: Path) -> None:
    library = load_policy_set(data={"allowed_registries": ["myregistry.com"]})
    checkout = pipeline.checkout(str(example_repo), None)
    rendered: list[RenderedApp] = [
        pipeline.render(app, checkout) for app in pipeline.discover(checkout).apps
    ]
    embedded = RegoPolicyEngine(library)
    server = OpaServerPolicyEngine(library, url=os.environ["OPA_URL"])
    for app in rendered:
        bodies = [r.body for r in app.resources]
        for scope, context in (
            ("resource", {}),
            ("app", {"app": {"name": app.app, "environment": "production"}}),
            ("cross", {"app": {"name": app.app}, "resources": bodies}),
        ):
            a = embedded.evaluate(scope=scope, context=context, resources=bodies)
            b = server.evaluate(scope=scope, context=context, resources=bodies)
            assert [(o.values, o.exceptions, o.errors) for o in a] == [
                (o.values, o.exceptions, o.errors) for o in b
            ], app.app
