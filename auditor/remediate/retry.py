"""Retry with backoff on transient API errors, as an Application's `syncPolicy.retry`:
`limit` retries, the first after `duration`, each next `factor` times longer, capped at
`maxDuration`. Pure schedule; `sleep` is injected by the caller (tests never wait).
"""

from __future__ import annotations

from auditor.model import Retry

# Argo CD's backoff when an Application has no `retry` (limit 2, 5s, x2, 3m).
DEFAULT_RETRY = Retry(limit=2, duration_seconds=5.0, factor=2.0, max_duration_seconds=180.0)


def delays(retry: Retry | None) -> list[float]:
    """Seconds to wait before each retry (its length is the number of retries)."""
    policy = retry or DEFAULT_RETRY
    out = []
    wait = policy.duration_seconds
    for _ in range(max(0, policy.limit)):
        out.append(min(wait, policy.max_duration_seconds))
        wait *= policy.factor
    return out
