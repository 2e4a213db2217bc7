"""Redis unreachable: the service processes say so in one line (password masked) and exit
2; the commands that need no Redis work as if it did not exist."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "hunter2-not-shown"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "auditor", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "GITOPS_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


@pytest.mark.parametrize("command", ["worker", "scheduler", "watcher", "jobs"])
def test_a_service_process_without_redis_exits_2_in_one_line(command: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env["REDIS_URL"] = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0"
    proc = run(command, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: Redis at redis://***@127.0.0.1:")
    assert "unreachable" in lines[0]
    assert PASSWORD not in proc.stderr + proc.stdout


def test_the_redis_url_may_come_from_a_mounted_file(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    secret = tmp_path / "redis-url"
    secret.write_text(f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0\n")
    env["REDIS_URL_FILE"] = str(secret)
    proc = run("worker", "--burst", env=env, cwd=tmp_path)
    assert proc.returncode == 2
    assert "unreachable" in proc.stderr and PASSWORD not in proc.stderr


def test_check_needs_no_redis(tmp_path: Path, example_repo: Path) -> None:
    env = clean_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    proc = run("apps", "--repo", str(example_repo), env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "my-api" in proc.stdout
    proc = run("check", "--repo", str(example_repo), env=env, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the planted violations, not an error
    assert "Redis" not in proc.stderr
