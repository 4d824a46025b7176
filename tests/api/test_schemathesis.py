"""Property-based run of the GDPR API against its own /openapi.json (schemathesis):
valid and invalid requests, with a token and (ignored_auth check) without; every answer must be a
documented status with a body matching the documented schema, and never a 5xx.
Examples are bounded so the run stays within a few seconds."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import Api
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import ALL_CHECKS

from sentinel.api.deps import RateLimiter

# FastAPI emits OpenAPI 3.1; schemathesis 3.x validates it behind this switch.
schemathesis.experimental.OPEN_API_3_1.enable()


@pytest.fixture
def gdpr_schema(api: Api):
    # Lift the erasure rate limit so the run exercises the handler, not only 429s
    # (429 itself is tested in test_security.py).
    api.app.state.rate_limiters = {"erasures": RateLimiter(1e9, 1_000_000, api.app.state.clock)}
    return schemathesis.from_asgi(
        "/openapi.json",
        api.app,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    ).include(path_regex="^/v1/gdpr")


schema = schemathesis.from_pytest_fixture("gdpr_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_gdpr_api_conforms_to_its_openapi_document(case, api: Api) -> None:
    # An admin token, so the handlers run; the ignored_auth check among ALL_CHECKS
    # re-sends each successful request without it and requires a 401.
    case.headers = {**(case.headers or {}), **api.auth("admin")}
    response = case.call()
    case.validate_response(response, checks=ALL_CHECKS)
    assert response.status_code < 500
    assert response.headers["x-content-type-options"] == "nosniff"
