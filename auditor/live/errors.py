"""Typed errors of the live stage, each with the message a user sees."""

from __future__ import annotations

from auditor.errors import AuditorError


class ClusterError(AuditorError):
    """Reading a cluster failed; apps that depend on the read are `Unknown`."""


class ClusterUnreachable(ClusterError):
    """No connection (refused, DNS, TLS, timeout)."""


class ClusterForbidden(ClusterError):
    """The API server refused the request (401 or 403)."""


class ClusterNotConfigured(ClusterError):
    """An app's destination names a cluster the auditor does not know."""
