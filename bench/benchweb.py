"""The web process for the benchmarks: `gitops-auditor web` (gunicorn) on a free loopback
port with the given environment, up until the block ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(work: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """This environment without GITOPS_AUDITOR_*, a store and cache under `work`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITOPS_AUDITOR_")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'store.db'}",
            "XDG_CACHE_HOME": str(work / "cache"),
            **extra,
        }
    )
    return env


@contextmanager
def running_web(work: Path, env: Mapping[str, str], *, workers: int = 2) -> Iterator[str]:
    """The web app's base URL, once `/healthz` answers."""
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "auditor", "web", "--port", str(port), "--workers", str(workers)],
        env=dict(env),
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    break
            except OSError:
                if web.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("web did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        web.terminate()
        web.wait(timeout=30)


def timed(request: urllib.request.Request | str) -> float:
    """Seconds from sending `request` to its whole answer; any answer but 200 ends the run."""
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"answer {response.status}")
    return time.perf_counter() - started
