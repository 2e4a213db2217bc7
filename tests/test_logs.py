"""Logging setup: text or JSON lines, the request id on every record, the env override,
and the CLI's use of the config's `log` section."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextvars import copy_context
from pathlib import Path

import pytest

from auditor.config import LogConfig, load_config
from auditor.logs import (
    HANDLER_NAME,
    configure_logging,
    current_request_id,
    new_request_id,
    request_context,
)
from tests.helpers import EXAMPLE_REPO


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_level_logger_message_and_request_id() -> None:
    out = io.StringIO()
    configure_logging(LogConfig(format="json", level="INFO"), stream=out)
    log = logging.getLogger("auditor.test")
    log.info("outside")
    with request_context("cmd-42") as rid:
        assert rid == "cmd-42" == current_request_id()
        log.warning("audit of %s queued", "billing", extra={"app": "billing"})
    log.debug("not at INFO")
    first, second = lines(out)
    assert first["request_id"] == "-" and first["message"] == "outside"
    assert second == {
        "time": second["time"],
        "level": "WARNING",
        "logger": "auditor.test",
        "message": "audit of billing queued",
        "request_id": "cmd-42",
        "app": "billing",
    }
    assert isinstance(second["time"], str) and "T" in second["time"]


def test_text_lines_show_the_request_id() -> None:
    out = io.StringIO()
    configure_logging(LogConfig(), default_level=logging.INFO, stream=out)
    with request_context("job-7"):
        logging.getLogger("auditor.worker").info("sync done")
    assert out.getvalue().rstrip().endswith("INFO auditor.worker [job-7] sync done")


def test_request_context_nests_and_restores() -> None:
    with request_context() as outer:
        assert len(outer) == 16 and outer == current_request_id()
        with request_context("inner"):
            assert current_request_id() == "inner"
        assert current_request_id() == outer
    assert current_request_id() == "-"
    assert new_request_id() != new_request_id()


def test_the_id_follows_into_work_run_in_a_copied_context() -> None:
    """Code that hands work to a thread with the caller's context keeps the id."""
    seen: list[str] = []
    with request_context("slack-cmd"):
        ctx = copy_context()
    thread = threading.Thread(target=lambda: ctx.run(lambda: seen.append(current_request_id())))
    thread.start()
    thread.join()
    assert seen == ["slack-cmd"]


def test_records_of_other_handlers_carry_the_id_too() -> None:
    """A handler a library installs (RQ's) can format %(request_id)s as well."""
    configure_logging(LogConfig(), stream=io.StringIO())
    out = io.StringIO()
    foreign = logging.StreamHandler(out)
    foreign.setFormatter(logging.Formatter("%(request_id)s %(message)s"))
    log = logging.getLogger("rq.worker")
    log.addHandler(foreign)
    try:
        with request_context("r1"):
            log.warning("job started")
    finally:
        log.removeHandler(foreign)
    assert out.getvalue() == "r1 job started\n"


def test_configuring_twice_leaves_one_handler() -> None:
    configure_logging(LogConfig(), stream=io.StringIO())
    configure_logging(LogConfig(format="json"), stream=io.StringIO())
    ours = [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]
    assert len(ours) == 1


def test_env_override_selects_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"GITOPS_AUDITOR_LOG__FORMAT": "json", "GITOPS_AUDITOR_LOG__LEVEL": "debug"}
    assert load_config(None, env=env).log == LogConfig(format="json", level="DEBUG")


def test_cli_logs_json_lines_when_the_config_says_so(tmp_path: Path) -> None:
    """The real command line: every stderr line is a JSON record once the config is read."""
    config = tmp_path / "gitops-auditor.yaml"
    config.write_text("log:\n  format: json\n  level: debug\n")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "gitops-auditor"),
            "apps",
            "--config",
            str(config),
            "--repo",
            str(EXAMPLE_REPO),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert records and all(r["request_id"] == "-" and r["level"] for r in records)
    assert json.loads(proc.stdout)  # stdout stays the command's output


def test_level_from_config_else_debug_flag_else_default() -> None:
    root = logging.getLogger()
    configure_logging(LogConfig(), stream=io.StringIO())
    assert root.level == logging.WARNING
    configure_logging(LogConfig(), debug=True, stream=io.StringIO())
    assert root.level == logging.DEBUG
    configure_logging(LogConfig(level="error"), debug=True, stream=io.StringIO())
    assert root.level == logging.ERROR
