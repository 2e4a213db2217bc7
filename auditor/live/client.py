"""The one HTTP adapter to Kubernetes API servers, over the `kubernetes` client's ApiClient.

`KubeClient.get_json` and `request` send raw requests (no typed decoding: unknown kinds and
fields pass through untouched), count them, and turn every failure into a typed
`ClusterError` (one class per status, see `errors`) with a readable message (403 names the
verb and resource).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import urllib3
from kubernetes import client as k8s

from auditor.kubemeta.media import JSON, JSON_PATCH
from auditor.live.errors import (
    ClusterBadResponse,
    ClusterHTTPError,
    ClusterUnreachable,
    error_class,
)


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
    ) -> tuple[int, Any]:
        """Send one request; an error status raises its `ClusterHTTPError`, an answer that
        is not JSON a `ClusterBadResponse`."""
        verb, what = verb or method.lower(), what or path
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
            raise self._unreachable(_reason(exc), verb=verb, what=what) from exc
        except k8s.ApiException as exc:  # TLS problems surface as status 0
            raise self._unreachable(str(exc.reason), verb=verb, what=what) from exc
        data = _decode(raw)
        if response.status >= 400:
            raise status_error(
                cluster=self.name,
                status=response.status,
                data=data,
                verb=verb,
                what=what,
                retry_after=_retry_after(response.headers.get("Retry-After")),
            )
        if isinstance(data, str):
            raise ClusterBadResponse(
                f"cluster {self.name} ({self.server}): {verb} {what} answered with something "
                f"that is not JSON: {data[:80]!r}",
                cluster=self.name,
                status=response.status,
                verb=verb,
                resource=what,
            )
        return response.status, data

    def _unreachable(self, why: str, *, verb: str, what: str) -> ClusterUnreachable:
        return ClusterUnreachable(
            f"cluster {self.name} ({self.server}) is unreachable: {why}",
            cluster=self.name,
            verb=verb,
            resource=what,
        )

    def stream_lines(
        self, path: str, *, query: Sequence[tuple[str, str]] = (), timeout: float, what: str = ""
    ) -> Iterator[bytes]:
        """The lines of a streamed GET (a watch), as they arrive; errors as `request`."""
        params = self.api.param_serialize(
            method="GET",
            resource_path=path,
            query_params=list(query),
            header_params={"Accept": JSON},
            auth_settings=["BearerToken"],
        )
        with self._lock:
            self.requests += 1
        what = what or path
        try:
            response = self.api.call_api(*params, _request_timeout=(self.timeout, timeout))
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(_reason(exc), verb="watch", what=what) from exc
        except k8s.ApiException as exc:
            raise self._unreachable(str(exc.reason), verb="watch", what=what) from exc
        raw = response.response
        if response.status >= 400:
            data = _decode(raw.read())
            raise status_error(
                cluster=self.name, status=response.status, data=data, verb="watch", what=what
            )
        pending = b""
        try:
            for chunk in raw.stream(4096, decode_content=True):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                yield from (line for line in lines if line.strip())
            if pending.strip():
                yield pending
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._unreachable(_reason(exc), verb="watch", what=what) from exc
        finally:
            raw.release_conn()


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


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (an HTTP date is not used by API servers)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def status_error(
    *,
    cluster: str,
    status: int,
    data: Any,
    verb: str,
    what: str,
    retry_after: float | None = None,
) -> ClusterHTTPError:
    """The typed error of an error status, its message naming the verb and resource."""
    body = data if isinstance(data, Mapping) else {}
    message = str(body.get("message") or (data if isinstance(data, str) else "")).strip()[:300]
    if status in (401, 403):
        denied = "unauthorized" if status == 401 else "forbidden"
        text = f"cluster {cluster}: {denied} to {verb} {what}"
    else:
        text = f"cluster {cluster}: {verb} {what} failed with HTTP {status}"
    return error_class(status)(
        text + (f": {message}" if message else ""),
        cluster=cluster,
        status=status,
        reason=str(body.get("reason") or ""),
        verb=verb,
        resource=what,
        retry_after=retry_after,
    )
