"""Slack ack benchmark: 50 signed `/gitops` commands sent at once to the real web process
(gunicorn, `gitops-auditor web`, 2 workers) with a private Redis; the time from sending
each request to its ack (what Slack allows 3 s for). Repeated `--runs` times; p50 and
p99 per run, then the median of the runs.
Run: .venv/bin/python bench/slack_bench.py [--concurrent 50] [--runs 5]   (under a minute)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchstats import percentile, spread  # noqa: E402
from benchweb import running_web, service_env, timed  # noqa: E402

from auditor.jobs.embedded import start_embedded  # noqa: E402

SECRET = "bench-signing-secret"


def signed_request(url: str, text: str, n: int) -> urllib.request.Request:
    body = urlencode(
        {
            "command": "/gitops",
            "text": text,
            "user_id": f"U{n:05}",
            "channel_id": "C0BENCH",
            "team_id": "T0BENCH",
            "response_url": "http://127.0.0.1:9/response",
            "trigger_id": f"{time.time_ns()}.{n}",
        }
    )
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")


def one(url: str, n: int) -> float:
    return timed(signed_request(url, f"diff app-{n % 7}", n))


def measure(url: str, *, concurrent: int, runs: int) -> None:
    for n in range(20):  # warm both workers
        one(url, n)
    p50s, p99s = [], []
    for run in range(runs):
        with ThreadPoolExecutor(max_workers=concurrent) as pool:
            first = (run + 1) * 1000
            times = list(pool.map(lambda n: one(url, first + n), range(concurrent)))  # noqa: B023
        p50s.append(percentile(times, 50) * 1000)
        p99s.append(percentile(times, 99) * 1000)
        print(f"run {run + 1}: p50 {p50s[-1]:.0f} ms, p99 {p99s[-1]:.0f} ms")
    print(
        f"ack latency, {concurrent} concurrent commands: "
        f"p50 {spread(p50s, 'ms', 0)}, p99 {spread(p99s, 'ms', 0)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="slack-bench-") as tmp:
        work = Path(tmp)
        redis = start_embedded(work / "redis")
        env = service_env(work, {"REDIS_URL": redis.url, "SLACK_SIGNING_SECRET": SECRET})
        try:
            with running_web(work, env) as base:
                measure(f"{base}/slack/events", concurrent=args.concurrent, runs=args.runs)
        finally:
            redis.stop()
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
