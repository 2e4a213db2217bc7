"""The OpenAPI 3.1 document is kept true: schemathesis generates requests for every
operation from the document and runs them against the live app (a real round's data, a
real Redis behind the writes), checking every answer against the document: no 5xx, the
documented status codes, content types and schemas, auth enforced."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from bot.api.openapi import document
from tests.web.conftest import Web

pytestmark = [pytest.mark.slow, pytest.mark.redis]


OPERATIONS = [
    (method.upper(), path) for path, item in document()["paths"].items() for method in item
]


@pytest.fixture(scope="module")
def api_schema(web: Web) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web.app)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_keeps_to_the_document(
    api_schema: Any, web: Web, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,  # the same requests every run: a failure reproduces
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=web.headers("admin"))

    run()


def test_the_document_is_openapi_3_1_and_public(web: Web) -> None:
    response = web.app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/apps", "/api/v1/apps/{app}", "/api/v1/apps/{app}/sync"} <= set(
        document["paths"]
    )
