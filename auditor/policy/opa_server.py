"""`OpaServerPolicyEngine`: the same evaluation through an OPA server (opa-python-client 3).

Policies (and the evaluation module) are pushed with `update_policy_from_string`, data
with `update_or_create_data`, each resource queried with `query_rule` under
`strict-builtin-errors`. An undefined rule is a 200 without `result`: no values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from opa_client import OpaClient
from opa_client.errors import ConnectionsError, RegoParseError

from auditor.policy.engine import RawOutcome, exception_names, flatten
from auditor.policy.errors import PolicyEngineError, PolicyLoadError
from auditor.policy.library import PolicySet
from auditor.policy.shim import (
    EXCEPTION_PREFIX,
    SHIM_PACKAGE,
    SHIM_PATH,
    context_data,
    scope_rules,
    shim_source,
)

READY_TIMEOUT = 10.0


def policy_id(path: str) -> str:
    """A stable OPA policy id for a file: `gitops-auditor/<path with / kept>`."""
    safe = "".join(ch if ch.isalnum() or ch in "-_./" else "_" for ch in path)
    return "gitops-auditor/" + "/".join(part for part in safe.split("/") if part not in ("", "."))


class OpaServerPolicyEngine:
    """A policy set loaded into an OPA server; data is replaced per app context."""

    def __init__(
        self,
        policies: PolicySet,
        *,
        url: str,
        token: str = "",
        ready_timeout: float = READY_TIMEOUT,
        client: OpaClient | None = None,
    ) -> None:
        self.policies = policies
        self._rules = scope_rules(policies)
        self._client = client or _client(url, token=token)
        self._url = url
        self._context_key = ""
        try:
            self._client.wait_for_ready(timeout=ready_timeout, interval=0.2)
        except ConnectionsError as exc:
            raise PolicyEngineError(f"OPA at {url} is not ready: {exc}") from exc
        self._push()

    def close(self) -> None:
        self._client.close_connection()

    def _push(self) -> None:
        files = [(m.path, m.source) for m in self.policies.modules]
        files.append((SHIM_PATH, shim_source(self.policies)))
        for path, source in files:
            try:
                self._client.update_policy_from_string(source, policy_id(path), rego_compat=False)
            except RegoParseError as exc:
                raise PolicyLoadError(f"OPA rejected the policy: {exc}", path=path) from exc
            except requests.RequestException as exc:
                raise PolicyEngineError(f"OPA at {self._url}: {exc}") from exc
        self._set_context({})

    def _set_context(self, context: Mapping[str, Any]) -> None:
        data = context_data(self.policies.data, context)
        key = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()
        if key == self._context_key:
            return
        try:
            for name, value in data.items():
                document = value if isinstance(value, dict) else {"value": value}
                if isinstance(value, dict):
                    self._client.update_or_create_data(document, name)
                else:
                    self._put_raw(name, value)
        except requests.RequestException as exc:
            raise PolicyEngineError(f"OPA at {self._url}: {exc}") from exc
        self._context_key = key

    def _put_raw(self, name: str, value: Any) -> None:
        # update_or_create_data only takes objects; lists (allowed_registries) go directly.
        session = self._client._session
        response = session.put(
            f"{self._client.root_url}/data/{name}", json=value, timeout=self._client.timeout
        )
        if response.status_code != 204:
            raise PolicyEngineError(f"OPA refused data {name}: HTTP {response.status_code}")

    def evaluate(
        self,
        *,
        scope: str,
        context: Mapping[str, Any],
        resources: Sequence[Mapping[str, Any]],
    ) -> list[RawOutcome]:
        if not self._rules[scope]:
            return [RawOutcome() for _ in resources]
        self._set_context(context)
        return [self._query(scope, dict(resource)) for resource in resources]

    def _query(self, scope: str, resource: dict[str, Any]) -> RawOutcome:
        try:
            answer = self._client.query_rule(
                resource, SHIM_PACKAGE, scope, query_params={"strict-builtin-errors": "true"}
            )
        except requests.HTTPError as exc:
            return self._isolate(scope, resource, error=_http_error(exc))
        except requests.RequestException as exc:
            raise PolicyEngineError(f"OPA at {self._url}: {exc}") from exc
        return _outcome(answer.get("result") or {})

    def _isolate(self, scope: str, resource: dict[str, Any], *, error: str) -> RawOutcome:
        """After a failed query: each rule alone, so the error names its rule."""
        values: dict[str, tuple[Any, ...]] = {}
        exceptions: dict[str, tuple[str, ...]] = {}
        errors: dict[str, str] = {}
        for key in self._rules[scope]:
            package, _, rule = key.removeprefix(EXCEPTION_PREFIX).partition("/")
            try:
                answer = self._client.query_rule(
                    resource,
                    package,
                    rule or "exception",
                    query_params={"strict-builtin-errors": "true"},
                )
            except requests.HTTPError as exc:
                errors[key.removeprefix(EXCEPTION_PREFIX)] = _http_error(exc) or error
                continue
            value = flatten([answer["result"]]) if "result" in answer else ()
            if key.startswith(EXCEPTION_PREFIX):
                exceptions[package] = exception_names(value)
            else:
                values[key] = value
        return RawOutcome(values=values, exceptions=exceptions, errors=errors)


def _outcome(result: Mapping[str, Any]) -> RawOutcome:
    values: dict[str, tuple[Any, ...]] = {}
    exceptions: dict[str, tuple[str, ...]] = {}
    for key, raw in result.items():
        if key.startswith(EXCEPTION_PREFIX):
            exceptions[key.removeprefix(EXCEPTION_PREFIX)] = exception_names(flatten(raw))
        else:
            values[key] = flatten(raw)
    return RawOutcome(values=values, exceptions=exceptions)


def _http_error(exc: requests.HTTPError) -> str:
    response = exc.response
    if response is None:
        return str(exc)
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = body.get("errors") or []
    if errors and isinstance(errors[0], dict) and errors[0].get("message"):
        return str(errors[0]["message"])
    return str(body.get("message") or f"HTTP {response.status_code}")


def _client(url: str, *, token: str) -> OpaClient:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        raise PolicyEngineError(f"policy.opa_url {url!r} is not a URL (http://host:8181)")
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 8181)
    # No client-side retries: OPA answers 500 for a strict builtin error, which is final.
    return OpaClient(
        host=parts.hostname, port=port, ssl=ssl, token=token or None, timeout=10.0, retries=0
    )
