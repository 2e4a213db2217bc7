"""Child processes and scratch directories that never outlive a killed run: children
(git, helm, kubectl) get SIGKILL when the process that started them dies (Linux's
PR_SET_PDEATHSIG), and scratch directories a killed run left behind are removed at start.
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1
SCRATCH_PREFIXES = ("gitops-auditor-kustomize-", "gitops-auditor-helm-", "gitops-auditor-adopt-")
STALE_SECONDS = 6 * 3600.0  # far beyond the longest deadline of a run's own scratch dir


def _prctl() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


_PRCTL = _prctl()  # resolved once: a `preexec_fn` should do as little as it can


def die_with_parent() -> None:
    """`preexec_fn` of a child: killed with SIGKILL when its parent dies (no orphaned
    `git fetch` writing to a mirror after a `kill -9`)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def clean_stale_scratch(
    *,
    directory: Path | None = None,
    prefixes: Iterable[str] = SCRATCH_PREFIXES,
    older_than: float = STALE_SECONDS,
    now: float | None = None,
) -> list[Path]:
    """Remove scratch directories of ours older than `older_than` seconds (a run that
    was killed could not remove its own); the removed paths."""
    base = directory or Path(tempfile.gettempdir())
    cutoff = (time.time() if now is None else now) - older_than
    removed = []
    for prefix in prefixes:
        for path in base.glob(f"{prefix}*"):
            try:
                stale = path.is_dir() and not path.is_symlink() and path.stat().st_mtime < cutoff
            except OSError:
                continue
            if stale:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed
