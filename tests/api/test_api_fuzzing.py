"""Schema fuzzing: requests generated from the API's own OpenAPI document never get a 5xx, and every answer
has a documented status, content type and body shape, with a scoped key of the application database (every
scope: the answers themselves; one scope: the 403 of every other route is documented too).

Schemathesis' pytest integration does not run on pytest 9 yet, so each operation's Hypothesis strategy is
driven directly.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from credit_scoring.access.keys import KeyStore
from credit_scoring.access.roles import SCOPES
from credit_scoring.api.app import EXTENSION

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize(("scopes", "examples"), [(SCOPES, 12), (("score",), 3)])
def test_generated_requests_get_no_server_error(app, scopes: tuple[str, ...], examples: int) -> None:
    key = KeyStore(app.extensions[EXTENSION].settings.sqlalchemy_url()).create("fuzzer", frozenset(scopes))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:

        @settings(
            max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
        )
        @given(case=operation.as_strategy())
        def call(case) -> None:
            case.call_and_validate(headers={"X-API-Key": key}, checks=CHECKS)

        call()
