"""Schemathesis against the app's own OpenAPI schema, over HTTP: no 500, no response outside the schema.

Bounded (a few examples per operation) so it runs in well under a minute. The alert stream is left
out: it never ends by design (it has its own tests). Operations are driven one by one with
Hypothesis (schemathesis's pytest fixture loader does not work with this pytest version).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from tests.api.conftest import Api

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def test_api_conforms_to_its_schema(sqlite_api: Api) -> None:
    schema = schemathesis.openapi.from_url(f"{sqlite_api.base_url}/openapi.json").exclude(
        path="/alerts/stream"
    )
    headers = {"X-API-Key": sqlite_api.keys["admin"]}
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would raise here: a broken schema
        for mode in GenerationMode:  # valid inputs, then invalid ones (which must be 4xx, never 500)

            @settings(
                max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=sqlite_api.base_url, headers=headers, checks=CHECKS, timeout=10
                )

            try:
                run()
            except Unsatisfiable:
                # an operation without parameters or body has no invalid input to generate
                assert mode is GenerationMode.NEGATIVE
        tested.append(operation.label)
    assert len(tested) >= 20
