"""The embedded Redis of `serve`: it starts wherever the data directory is, however deep,
keeps its socket where a restart finds it again, and leaves no socket behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from redis import Redis

from auditor.errors import AuditorError
from auditor.jobs.embedded import SOCKET_PATH_MAX, socket_path, start_embedded

pytestmark = [pytest.mark.redis]


def deep(base: Path) -> Path:
    path = base / ("d" * 60) / ("e" * 60)
    assert len(os.fsencode(path / "redis.sock")) > SOCKET_PATH_MAX
    return path


def test_a_shallow_data_directory_holds_the_socket(tmp_path: Path) -> None:
    assert socket_path(tmp_path) == tmp_path.resolve() / "redis.sock"


def test_a_data_directory_too_deep_for_a_socket_still_serves(tmp_path: Path) -> None:
    data = deep(tmp_path)
    redis = start_embedded(data)
    try:
        assert len(os.fsencode(redis.socket)) <= SOCKET_PATH_MAX
        assert stat.S_IMODE(redis.socket.parent.stat().st_mode) == 0o700
        Redis.from_url(redis.url).set("kept", "yes")
    finally:
        redis.stop()
    assert not redis.socket.exists()
    assert list(data.glob("appendonly*"))  # the data stays in the data directory
    again = start_embedded(data)
    try:
        assert again.socket == redis.socket  # a restart serves on the same socket
        assert Redis.from_url(again.url).get("kept") == b"yes"
    finally:
        again.stop()


def test_a_socket_directory_others_can_enter_is_refused(tmp_path: Path) -> None:
    data = deep(tmp_path)
    private = socket_path(data).parent
    private.chmod(0o755)
    try:
        with pytest.raises(AuditorError, match="not a private directory"):
            socket_path(data)
    finally:
        private.rmdir()
