"""The one HTTP adapter to Kubernetes API servers, over the `kubernetes` client's ApiClient.

`KubeClient.get_json` and `request` send raw requests (no typed decoding: unknown kinds and
fields pass through untouched), count them, and turn every failure into a typed
`ClusterError` with a readable message (403 names the verb and resource).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from kubernetes import client as k8s

from auditor.live.errors import ClusterError, ClusterForbidden, ClusterUnreachable

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"


class KubeClient:
    """Raw JSON access to one cluster; thread-safe, counts requests."""

    def __init__(self, *, name: str, api: k8s.ApiClient, timeout: float = 10.0) -> None:
        self.name = name
        self.api = api
        self.timeout = timeout
        self.server = str(api.configuration.host)
        self._lock = threading.Lock()
        self.requests = 0

    def get_json(
        self,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        accept: str = JSON,
        verb: str = "get",
        what: str = "",
    ) -> Any:
        _, data = self.request("GET", path, query=query, accept=accept, verb=verb, what=what)
        return data

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str = JSON,
        accept: str = JSON,
        verb: str = "",
        what: str = "",
        ok: Sequence[int] = (200, 201),
    ) -> tuple[int, Any]:
        """Send one request; a status outside `ok` raises a `ClusterError`."""
        headers = {"Accept": accept}
        if body is not None:
            headers["Content-Type"] = content_type
            if content_type == JSON_PATCH and isinstance(body, str):
                # The client sends a JSON patch as such only when the body is a list: any
                # other body is silently re-labelled a strategic merge patch.
                body = json.loads(body)
        params = self.api.param_serialize(
            method=method,
            resource_path=path,
            query_params=list(query),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        with self._lock:
            self.requests += 1
        try:
            response = self.api.call_api(*params, _request_timeout=self.timeout)
            raw = response.read()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ClusterUnreachable(
                f"cluster {self.name} ({self.server}) is unreachable: {_reason(exc)}"
            ) from exc
        except k8s.ApiException as exc:  # TLS problems surface as status 0
            raise ClusterUnreachable(
                f"cluster {self.name} ({self.server}) is unreachable: {exc.reason}"
            ) from exc
        data = _decode(raw)
        if response.status not in ok:
            raise _status_error(
                cluster=self.name,
                status=response.status,
                data=data,
                verb=verb or method.lower(),
                what=what or path,
            )
        return response.status, data


def _decode(raw: bytes | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def _reason(exc: BaseException) -> str:
    inner = getattr(exc, "reason", None)
    text = str(inner or exc)
    for hint in ("Connection refused", "timed out", "Name or service not known", "certificate"):
        if hint.lower() in text.lower():
            return hint.lower()
    return text.split(": ", 1)[-1][:200]


def _status_error(*, cluster: str, status: int, data: Any, verb: str, what: str) -> ClusterError:
    message = data.get("message") if isinstance(data, Mapping) else None
    message = str(message or (data if isinstance(data, str) else "")).strip()
    if status in (401, 403):
        denied = "unauthorized" if status == 401 else "forbidden"
        return ClusterForbidden(
            f"cluster {cluster}: {denied} to {verb} {what}" + (f": {message}" if message else "")
        )
    return ClusterError(
        f"cluster {cluster}: {verb} {what} failed with HTTP {status}"
        + (f": {message}" if message else "")
    )
