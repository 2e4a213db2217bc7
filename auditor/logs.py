"""Logging of every process: one handler on the root logger writing text or JSON lines
(config `log.format`, env `GITOPS_AUDITOR_LOG__FORMAT`), and the request id every record
carries. `request_context(id)` binds the id of the Slack command, API request or job at
hand; records logged inside it carry it as `request_id` ("-" outside), so one command can
be followed through its job to its notification. Called by the CLI and the service.
"""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from auditor.config import LogConfig

NO_REQUEST = "-"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# JSON keys: time, level, logger, message, request_id (plus any `extra=` fields).
JSON_FIELDS = ("asctime", "levelname", "name", "message", "request_id")
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
HANDLER_NAME = "gitops-auditor"

_request_id: ContextVar[str] = ContextVar("gitops_auditor_request_id", default=NO_REQUEST)


def new_request_id() -> str:
    """A fresh id, usable in RQ job ids and Slack metadata ([0-9a-f], 16 characters)."""
    return uuid.uuid4().hex[:16]


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Bind `request_id` (a new one when None) for the records logged inside the block."""
    value = request_id or new_request_id()
    token = bind_request_id(value)
    try:
        yield value
    finally:
        unbind_request_id(token)


def bind_request_id(request_id: str) -> Token[str]:
    """Bind `request_id` until `unbind_request_id` (for hooks that cannot use a block)."""
    return _request_id.set(request_id)


def unbind_request_id(token: Token[str]) -> None:
    _request_id.reset(token)


class _RequestIdRecords:
    """The log record factory that stamps each record with the current request id, so
    handlers set up by libraries (RQ's, for one) can format it too."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        record.request_id = _request_id.get()
        return record


def install_record_factory() -> None:
    """Stamp every log record of this process with the current request id."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RequestIdRecords):
        logging.setLogRecordFactory(_RequestIdRecords(factory))


def formatter(fmt: str) -> logging.Formatter:
    """The formatter of `log.format`: `text` for people, `json` for log collectors."""
    if fmt == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields=JSON_RENAMES,
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z")


def configure_logging(
    config: LogConfig,
    *,
    default_level: int = logging.WARNING,
    debug: bool = False,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Route the root logger to one handler of ours (replacing the one a previous call
    installed) at `config.level`, else DEBUG with `debug`, else `default_level`."""
    if debug:
        default_level = logging.DEBUG
    install_record_factory()
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter(config.format))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, config.level) if config.level else default_level)
    return handler
