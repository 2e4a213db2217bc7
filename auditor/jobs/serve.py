"""`gitops-auditor serve`: the whole service in one process tree for small installs and the
demo: web, worker, scheduler and watcher as child processes sharing one Redis (the
embedded one when `REDIS_URL` is unset) and one database. A child that dies is started
again (with backoff); SIGTERM or Ctrl-C stops them all, workers finishing their job.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from auditor.jobs.connection import redis_url
from auditor.jobs.embedded import EmbeddedRedis, start_embedded

log = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0


@dataclass
class Tree:
    """The running children and the embedded Redis, if any."""

    children: list[Child]
    env: dict[str, str]
    redis: EmbeddedRedis | None = None
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            [sys.executable, "-m", "auditor", *child.args], env=self.env
        )
        log.info("serve: started %s (pid %d)", child.name, child.process.pid)

    def supervise(self) -> int:
        for child in self.children:
            self.start(child)
        while not self.stopping.is_set():
            for child in self.children:
                if child.process is not None and child.process.poll() is not None:
                    code = child.process.returncode
                    child.restarts += 1
                    delay = min(2.0 ** min(child.restarts, 5), 30.0)
                    log.warning(
                        "serve: %s exited (%s); restarting in %.0fs", child.name, code, delay
                    )
                    child.process = None
                    child.next_start = time.monotonic() + delay
                elif child.process is None and time.monotonic() >= child.next_start:
                    self.start(child)
            self.stopping.wait(0.5)
        return self.stop()

    def stop(self) -> int:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
        if self.redis is not None:
            self.redis.stop()
        return 0


def children(*, port: int, host: str, options: Sequence[str]) -> list[Child]:
    return [
        Child("web", ["web", "--host", host, "--port", str(port), *options]),
        Child("worker", ["worker", *options]),
        Child("scheduler", ["scheduler", *options]),
        Child("watcher", ["watcher", *options]),
    ]


def serve(
    *,
    port: int,
    host: str,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    options: Sequence[str] = (),
) -> int:
    """Run the four processes until SIGTERM; returns the exit code."""
    child_env = dict(os.environ if env is None else env)
    embedded = None
    if redis_url(child_env) is None:
        embedded = start_embedded(data_dir / "redis")
        child_env["REDIS_URL"] = embedded.url
    tree = Tree(
        children=children(port=port, host=host, options=options), env=child_env, redis=embedded
    )

    def stop(_signum: int, _frame: FrameType | None) -> None:
        tree.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return tree.supervise()
