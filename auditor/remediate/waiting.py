"""Waiting on a sync's objects (IO, through the cluster client): a hook until it completes
(its health is Healthy or Degraded, as gitops-engine decides), the resources of a wave
until none is still Progressing before the next wave runs (as Argo CD waits).

Polls with an injected `sleep`, a bounded number of times; a read that fails is a wait
that failed, never a success.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.health import resource_health
from auditor.live.client import KubeClient
from auditor.live.errors import ClusterError, ResourceNotFound
from auditor.model import Health, HealthStatus

_NOT_DONE = (HealthStatus.PROGRESSING, HealthStatus.MISSING, HealthStatus.UNKNOWN)


@dataclass(frozen=True)
class Waited:
    """How a wait ended: `ok`, and what was seen last (the health, or why not)."""

    ok: bool
    message: str = ""
    health: Health | None = None


@dataclass
class Waiter:
    client: KubeClient
    sleep: Callable[[float], None]
    timeout: float = 300.0
    interval: float = 2.0

    @property
    def _polls(self) -> int:
        return max(1, int(self.timeout / self.interval) + 1)

    def _get(self, path: str, what: str) -> Any:
        _, obj = self.client.request("GET", path, verb="get", what=what)
        return obj

    def hook(self, path: str, *, what: str) -> Waited:
        """Until the hook completes: Healthy succeeds, Degraded fails (a kind with no
        health check completes once created)."""
        last: Health | None = None
        for attempt in range(self._polls):
            if attempt:
                self.sleep(self.interval)
            try:
                obj = self._get(path, what)
            except ResourceNotFound:
                return Waited(False, f"{what} disappeared before it completed")
            except ClusterError as exc:
                return Waited(False, exc.message)
            last = resource_health(obj)
            if last is None or last.status in (HealthStatus.HEALTHY, HealthStatus.SUSPENDED):
                return Waited(True, last.message if last else "", last)
            if last.status == HealthStatus.DEGRADED:
                return Waited(False, last.message or "Degraded", last)
        shown = f": {last.status} {last.message}".rstrip() if last else ""
        return Waited(False, f"{what} did not complete within {self.timeout:g}s{shown}", last)

    def gone(self, path: str, *, what: str) -> Waited:
        """Until the object no longer exists (a hook deleted before its re-creation)."""
        for attempt in range(self._polls):
            if attempt:
                self.sleep(self.interval)
            try:
                self._get(path, what)
            except ResourceNotFound:
                return Waited(True)
            except ClusterError as exc:
                return Waited(False, exc.message)
        return Waited(False, f"{what} was still being deleted after {self.timeout:g}s")

    def healthy(self, targets: Sequence[tuple[str, str]]) -> Waited:
        """Until no (path, what) is still Progressing; a Degraded one fails the wave."""
        pending = list(targets)
        message = ""
        for attempt in range(self._polls):
            if attempt:
                self.sleep(self.interval)
            still = []
            for path, what in pending:
                try:
                    health = resource_health(self._get(path, what))
                except ClusterError as exc:
                    return Waited(False, exc.message)
                if health is not None and health.status == HealthStatus.DEGRADED:
                    return Waited(False, f"{what} is Degraded: {health.message}".rstrip(": "))
                if health is not None and health.status in _NOT_DONE:
                    still.append((path, what))
                    message = f"{what} is {health.status}: {health.message}".rstrip(": ")
            if not still:
                return Waited(True)
            pending = still
        return Waited(False, f"not healthy after {self.timeout:g}s: {message}")
