"""Fault injection for tests of failure handling: answer matching requests with an error
status, a garbage body, a dripping or a cut-off answer, or slow them down, a given number
of times (or until cleared).

`KubeSim.faults.add(Fault(status=503, methods=WRITES, times=2))` fails the next two writes;
`Fault(status=403, path=r"/apis/apps/v1/deployments")` forbids listing Deployments;
`Fault(body=b"<html>")` answers 200 with something that is not JSON; `Fault(drip=2.0)`
sends the real answer one byte every 2 s (with `drip_headers`, from its first line on);
`Fault(cut=True)` sends half of it, then drops the connection (a server killed mid-list).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


@dataclass
class Fault:
    """What to do to requests whose method is in `methods` and whose path matches `path`."""

    status: int = 0
    methods: frozenset[str] = ANY
    path: str = ""
    times: int | None = 1
    latency: float = 0.0
    message: str = ""
    retry_after: int | None = None  # seconds, sent as the Retry-After header
    body: bytes | None = None  # answer 200 with exactly this body
    drip: float = 0.0  # seconds between the bytes of the answer
    drip_headers: bool = False  # with `drip`: the status line and headers too
    cut: bool = False  # send half of the answer, then close the connection
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and bool(self._pattern.search(path))

    @property
    def reason(self) -> str:
        return _REASONS.get(self.status, "InternalError")

    def describe(self, method: str, path: str) -> str:
        return self.message or f"injected fault: {method} {path} answered {self.status}"


class Faults:
    """The active faults of one kubesim; thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.hits = 0
        self.requests = 0  # every request the server answered (tests count API calls)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one when it has a count."""
        with self._lock:
            self.requests += 1
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                self.hits += 1
                return fault
        return None
