"""Typed errors of the live stage: one class per kind of failure (kopf's per-status
errors), each keeping the HTTP status, the API's `reason`, the verb and the resource, and
saying whether a retry may help. Callers choose retry or give-up by type or `retryable`,
never by reading the message, which is for the user.
"""

from __future__ import annotations

from typing import ClassVar

from auditor.errors import AuditorError


class ClusterError(AuditorError):
    """Reading or writing a cluster failed; apps that depend on the read are `Unknown`."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        cluster: str = "",
        status: int | None = None,
        reason: str = "",
        verb: str = "",
        resource: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.cluster = cluster
        self.status = status
        self.reason = reason
        self.verb = verb
        self.resource = resource
        self.retry_after = retry_after


class ClusterUnreachable(ClusterError):
    """No answer (refused, DNS, TLS, timeout): the cluster may come back."""

    retryable = True


class ClusterTimedOut(ClusterUnreachable):
    """No complete answer within the deadline (a stalled or dripping server)."""


class ClusterNotConfigured(ClusterError):
    """An app's destination names a cluster the auditor does not know."""


class ClusterBadResponse(ClusterError):
    """The server answered something that is not the Kubernetes API (not JSON)."""


class ClusterHTTPError(ClusterError):
    """The API server answered with an error status (`status` is set)."""


class ClusterClientError(ClusterHTTPError):
    """A 4xx: the request itself was refused; sending it again does not help."""


class ClusterUnauthorized(ClusterClientError):
    """401: the credentials were not accepted."""


class ClusterForbidden(ClusterClientError):
    """403: the credentials may not do this verb on this resource."""


class ResourceNotFound(ClusterClientError):
    """404: the object or the type does not exist."""


class ResourceConflict(ClusterClientError):
    """409: a conflict (resourceVersion, field ownership, already exists)."""


class ResourceInvalid(ClusterClientError):
    """422: the object was rejected by validation."""


class ClusterThrottled(ClusterClientError):
    """429: too many requests; `retry_after` says when to come back."""

    retryable = True


class ClusterTimeout(ClusterClientError):
    """408: the server gave up waiting for the request."""

    retryable = True


class ClusterServerError(ClusterHTTPError):
    """A 5xx: the server failed; it may succeed later."""

    retryable = True


_BY_STATUS: dict[int, type[ClusterHTTPError]] = {
    401: ClusterUnauthorized,
    403: ClusterForbidden,
    404: ResourceNotFound,
    408: ClusterTimeout,
    409: ResourceConflict,
    422: ResourceInvalid,
    429: ClusterThrottled,
}


def error_class(status: int) -> type[ClusterHTTPError]:
    """The error class of an HTTP error status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ClusterServerError if status >= 500 else ClusterClientError
