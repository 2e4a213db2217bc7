"""Request ids on the web app: the caller's safe `X-Request-ID` is kept, anything else is
replaced by a fresh one, and the id is on the records logged while the request runs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from auditor.config import Config
from auditor.logs import NO_REQUEST, current_request_id
from auditor.pipeline import Pipeline
from auditor.service import Service
from bot import create_app
from bot.context import Context

log = logging.getLogger("tests.bot")


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    service = Service(pipeline=Pipeline.from_config(Config(), cache_dir=tmp_path / "cache"))
    app = create_app(context=Context(service=service, redis_url="redis://127.0.0.1:1/0"))

    @app.get("/echo")
    def echo() -> str:
        log.warning("handling")
        return current_request_id()

    return app


def test_a_safe_request_id_is_kept_and_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tests.bot"):
        response = app.test_client().get("/echo", headers={"X-Request-ID": "slack-cmd.42"})
    assert response.headers["X-Request-ID"] == "slack-cmd.42" == response.get_data(as_text=True)
    assert [r.request_id for r in caplog.records if r.name == "tests.bot"] == ["slack-cmd.42"]  # type: ignore[attr-defined]
    assert current_request_id() == NO_REQUEST  # unbound after the request


@pytest.mark.parametrize("given", [None, "", "a b", "x" * 65, "id;Injected: 1", "ünï"])
def test_anything_else_gets_a_fresh_id(app: Flask, given: str | None) -> None:
    headers = {} if given is None else {"X-Request-ID": given}
    first = app.test_client().get("/healthz", headers=headers).headers["X-Request-ID"]
    second = app.test_client().get("/healthz", headers=headers).headers["X-Request-ID"]
    assert first != second and len(first) == 16 and first.isalnum()
