"""Every web request has a request id: the caller's `X-Request-ID` when it is a safe token,
else a new one. It is on every record logged while the request is handled, goes into the
jobs the request enqueues (their logs carry it too), and comes back in the answer's
`X-Request-ID`, so one command can be followed from the web through its job."""

from __future__ import annotations

import re
from contextvars import Token

from flask import Flask, Response, g, request

from auditor.logs import (
    bind_request_id,
    current_request_id,
    install_record_factory,
    new_request_id,
    unbind_request_id,
)

HEADER = "X-Request-ID"
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install(app: Flask) -> None:
    install_record_factory()

    @app.before_request
    def bind() -> None:
        given = request.headers.get(HEADER, "")
        g.request_id_token = bind_request_id(given if _SAFE.match(given) else new_request_id())

    @app.after_request
    def answer(response: Response) -> Response:
        response.headers[HEADER] = current_request_id()
        return response

    @app.teardown_request
    def unbind(_exc: BaseException | None) -> None:
        token: Token[str] | None = g.pop("request_id_token", None)
        if token is not None:
            unbind_request_id(token)
