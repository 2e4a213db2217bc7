"""The one HTTP adapter to Kubernetes API servers, over the `kubernetes` client's ApiClient.

`KubeClient.get_json` and `request` send raw requests (no typed decoding: unknown kinds and
fields pass through untouched), count them, and turn every failure into a typed
`ClusterError` (one class per status, see `errors`) with a readable message (403 names the
verb and resource). Every request has a total deadline (the body is read chunk by chunk, so
a server that drips bytes cannot hold it), narrowed by `within` for a group of requests;
reads are retried on 429, 5xx and timeouts with a bounded backoff honouring `Retry-After`.
The status line and headers are bounded too: a watchdog shuts down the socket of a request
whose headers are still arriving at its deadline.
"""

from __future__ import annotations

import heapq
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import urllib3
from kubernetes import client as k8s

from auditor import jsonio
from auditor.kubemeta.media import JSON, JSON_PATCH
from auditor.live.errors import (
    ClusterBadResponse,
    ClusterError,
    ClusterHTTPError,
    ClusterTimedOut,
    ClusterUnreachable,
    error_class,
)

CONNECT_TIMEOUT = 10.0
_CHUNK = 1 << 16


class _Watchdog:
    """One thread that shuts down the sockets of requests past their deadline: a socket
    timeout bounds each read, not a status line and headers sent a byte at a time."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, socket.socket]] = []
        self._cond = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def guard(self, deadline: float, sock: socket.socket) -> int:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kube-deadlines",
                                                daemon=True)  # fmt: skip
                self._thread.start()
            ident = next(self._ids)
            heapq.heappush(self._due, (deadline, ident, sock))
            self._cond.notify()
            return ident

    def release(self, ident: int) -> None:
        with self._cond:
            self._due = [d for d in self._due if d[1] != ident]
            heapq.heapify(self._due)

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._due:
                    self._cond.wait()
                    continue
                deadline, _, sock = self._due[0]
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                heapq.heappop(self._due)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # closed already


_WATCHDOG = _Watchdog()
_request_deadline: ContextVar[float | None] = ContextVar("kube_request_deadline", default=None)


class _DeadlineMixin:
    """`getresponse` (the status line and headers) ends by the request's deadline."""

    sock: socket.socket | None

    def getresponse(self) -> Any:
        deadline = _request_deadline.get()
        if deadline is None or self.sock is None:
            return super().getresponse()  # type: ignore[misc]
        ident = _WATCHDOG.guard(deadline, self.sock)
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            _WATCHDOG.release(ident)


class _HTTPConnection(_DeadlineMixin, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _guard_headers(api: k8s.ApiClient) -> None:
    """Make the client's connections honour the request deadline while headers arrive."""
    manager = api.rest_client.pool_manager
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class KubeClient:
    """Raw JSON access to one cluster; thread-safe, counts requests. `timeout` is the total
    deadline of one request; `retries` how often a read is tried again."""

    def __init__(
        self,
        *,
        name: str,
        api: k8s.ApiClient,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.api = api
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.server = str(api.configuration.host)
        _guard_headers(api)
        self._lock = threading.Lock()
        self._scope = threading.local()
        self.requests = 0

    @contextmanager
    def within(self, seconds: float) -> Iterator[None]:
        """Every request of this thread inside the block ends by `seconds` from now (one
        cluster's whole read, say), whatever each request's own deadline."""
        previous = getattr(self._scope, "deadline", None)
        deadline = time.monotonic() + seconds
        self._scope.deadline = deadline if previous is None else min(previous, deadline)
        try:
            yield
        finally:
            self._scope.deadline = previous

    def _deadline(self) -> float:
        own = time.monotonic() + self.timeout
        scope = getattr(self._scope, "deadline", None)
        return own if scope is None else min(own, scope)

    def get_json(
        self,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        accept: str = JSON,
        verb: str = "get",
        what: str = "",
    ) -> Any:
        """A JSON object read from the API; retried while the failure is transient (429,
        5xx, timeouts), waiting what `Retry-After` asks, within the deadline."""
        scope = getattr(self._scope, "deadline", None)
        wait = self.backoff
        for attempt in range(self.retries + 1):
            try:
                _, data = self.request(
                    "GET", path, query=query, accept=accept, verb=verb, what=what
                )
            except ClusterError as exc:
                delay = exc.retry_after if exc.retry_after is not None else wait
                late = scope is not None and time.monotonic() + delay >= scope
                if not exc.retryable or attempt == self.retries or late:
                    raise
                self.sleep(delay)
                wait *= 2
                continue
            if not isinstance(data, Mapping):
                raise self._bad(data, verb=verb, what=what, status=200)
            return data
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

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
        deadline = self._deadline()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timed_out(verb=verb, what=what)
        token = _request_deadline.set(deadline)
        try:
            response = self.api.call_api(
                *params, _request_timeout=(min(CONNECT_TIMEOUT, remaining), remaining)
            )
            raw = self._body(response.response, deadline=deadline, verb=verb, what=what)
        except ClusterTimedOut:
            raise
        except Exception as exc:
            failure = self._failed(exc, verb=verb, what=what)
            if failure is exc:
                raise
            if time.monotonic() >= deadline:  # the watchdog cut it, whatever it became
                failure = self._timed_out(verb=verb, what=what)
            raise failure from exc
        finally:
            _request_deadline.reset(token)
        return self._answer(response, raw, verb=verb, what=what)

    def _failed(self, exc: Exception, *, verb: str, what: str) -> Exception:
        """The `ClusterError` of a request that got no answer; `exc` itself when it is no
        network failure (a bug must not pass for an unreachable cluster)."""
        if isinstance(exc, urllib3.exceptions.TimeoutError):
            return self._timed_out(verb=verb, what=what)
        if isinstance(exc, urllib3.exceptions.MaxRetryError):
            if isinstance(exc.reason, urllib3.exceptions.ReadTimeoutError):
                return self._timed_out(verb=verb, what=what)
            return self._unreachable(_reason(exc), verb=verb, what=what)
        if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
            return self._unreachable(_reason(exc), verb=verb, what=what)
        if isinstance(exc, k8s.ApiException):  # TLS problems surface as status 0
            return self._unreachable(str(exc.reason), verb=verb, what=what)
        return exc

    def _answer(self, response: Any, raw: bytes, *, verb: str, what: str) -> tuple[int, Any]:
        """The decoded answer; an error status or a body that is not JSON raises."""
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
            raise self._bad(data, verb=verb, what=what, status=response.status)
        return response.status, data

    def _body(
        self, response: urllib3.BaseHTTPResponse, *, deadline: float, verb: str, what: str
    ) -> bytes:
        """The whole body, chunk by chunk, each chunk within what is left of the deadline."""
        chunks: list[bytes] = []
        try:
            while True:
                if time.monotonic() >= deadline:
                    raise self._timed_out(verb=verb, what=what)
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        except BaseException:
            response.close()  # never hand a half-read connection back to the pool
            raise
        response.release_conn()
        return b"".join(chunks)

    def _bad(self, data: Any, *, verb: str, what: str, status: int) -> ClusterBadResponse:
        what_it_is = "not JSON" if isinstance(data, str) else "not a Kubernetes API object"
        shown = data[:80] if isinstance(data, str) else json.dumps(data)[:80]
        return ClusterBadResponse(
            f"cluster {self.name} ({self.server}): {verb} {what} answered with something "
            f"that is {what_it_is}: {shown!r}",
            cluster=self.name,
            status=status,
            verb=verb,
            resource=what,
        )

    def _timed_out(self, *, verb: str, what: str) -> ClusterTimedOut:
        return ClusterTimedOut(
            f"cluster {self.name} ({self.server}): {verb} {what} did not answer in time",
            cluster=self.name,
            verb=verb,
            resource=what,
        )

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
        return jsonio.loads(raw)
    except ValueError:  # what orjson refuses (integers past 64 bits) json may read
        pass
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
