"""Property-based run of the GDPR API against its own /openapi.json (schemathesis):
valid and invalid requests, with a token and (ignored_auth check) without; every answer must be a
documented status with a body matching the documented schema, and never a 5xx.
Examples are bounded so the run stays within a few seconds."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import Api
from schemathesis_support import app_schema, bounded, call_and_check

from sentinel.api.deps import RateLimiter
from sentinel.api.state import api_state


@pytest.fixture
def gdpr_schema(api: Api):
    # Lift the erasure rate limit so the run exercises the handler, not only 429s
    # (429 itself is tested in test_security.py).
    state = api_state(api.app)
    state.rate_limiters["erasures"] = RateLimiter(1e9, 1_000_000, state.clock)
    return app_schema(api.app, "^/v1/gdpr")


schema = schemathesis.from_pytest_fixture("gdpr_schema")


@schema.parametrize()
@bounded(max_examples=40)
def test_gdpr_api_conforms_to_its_openapi_document(case, api: Api) -> None:
    # An admin token, so the handlers run (and ignored_auth has a success to re-send).
    response = call_and_check(case, api.auth("admin"))
    assert response.headers["x-content-type-options"] == "nosniff"
