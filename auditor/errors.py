"""Typed errors that carry a message meant for the user.

Adapters map third-party exceptions onto these (`raise SourceError(...) from exc`); the CLI,
the web app and the Slack bot render them once, at the boundary, as one readable line.
"""

from __future__ import annotations


class AuditorError(Exception):
    """Base of every error the user should see as a sentence, not a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class LocatedError(AuditorError):
    """An error in a file the user wrote; the message starts with `path:line` (or `path`
    when no line is known, or nothing when the input is not a file)."""

    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line is not None else f"{path}: " if path else ""
        super().__init__(where + message)
        self.path = path
        self.line = line


class ConfigError(LocatedError):
    """The configuration file or an environment override is invalid."""


class SourceError(AuditorError):
    """A Git source could not be read."""


class RemoteUnreachable(SourceError):
    """The remote does not answer or does not exist."""


class AuthenticationFailed(SourceError):
    """The remote refused our credentials (or asked for some we do not have)."""


class UnknownRevision(SourceError):
    """The branch, tag or SHA does not exist in the repository."""


class ManifestError(LocatedError):
    """A manifest file cannot be parsed; the message names the file and line."""


class RenderError(AuditorError):
    """An app's desired manifests could not be produced (kustomize, helm, duplicates)."""


class AppNotFound(AuditorError):
    """No discovered app has the requested name."""
