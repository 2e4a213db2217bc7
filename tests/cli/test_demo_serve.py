"""`demo --serve`: after the tour, the whole service runs on the tour's clusters and repo
and the dashboard is up with the token it printed: the apps the tour left drifted are
in the API and on the page; SIGTERM stops it all with exit 0."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, token: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def test_the_dashboard_is_left_up_on_the_tours_data(tmp_path: Path) -> None:
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GITOPS_AUDITOR_") and k not in ("REDIS_URL", "DATABASE_URL")
    }
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    exe = Path(sys.executable).parent / "gitops-auditor"
    proc = subprocess.Popen(
        [str(exe), "demo", "--serve", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout or ()], daemon=True).start()
    out: list[str] = []
    try:
        token = ""
        deadline = time.monotonic() + 240
        while not token:
            try:
                out.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail("no sign-in token printed:\n" + "".join(out))
            found = re.search(r"sign in with the token (gat_\S+)", out[-1])
            token = found.group(1) if found else ""
        assert f"http://127.0.0.1:{port}/apps" in "".join(out)
        apps: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/api/v1/apps?limit=100", token)
                apps = {a["name"]: a for a in json.loads(body)["items"]}
                if len(apps) == 15:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert len(apps) == 15, "".join(out)
        # The tour left my-api-dev drifted (a deleted and a leftover object).
        assert apps["my-api-dev"]["sync"] == "OutOfSync"
        status, html = get(f"http://127.0.0.1:{port}/apps/my-api-dev", token)
        assert status == 200 and "my-api-dev" in html and "OutOfSync" in html
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0, "".join(out)
