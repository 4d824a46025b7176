"""What every property-based API test shares: the app's own /openapi.json as the source
of valid and invalid requests, a bounded run, and one verdict per answer (documented
status, body matching its schema, every schemathesis check, never a 5xx). Each test keeps
only what is its own: the app, the paths, the credentials and any extra assertion.
(Importable as `schemathesis_support`, like `loopback`.)"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.checks import ALL_CHECKS
from schemathesis.specs.openapi.schemas import BaseOpenAPISchema

# FastAPI emits OpenAPI 3.1; schemathesis 3.x validates it behind this switch.
schemathesis.experimental.OPEN_API_3_1.enable()


def app_schema(app: Any, path_regex: str) -> BaseOpenAPISchema:
    """The ASGI app's own OpenAPI document, limited to the paths under test, generating
    both conforming and non-conforming requests."""
    return schemathesis.from_asgi(
        "/openapi.json",
        app,
        data_generation_methods=[DataGenerationMethod.positive, DataGenerationMethod.negative],
    ).include(path_regex=path_regex)


def bounded(max_examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings that keep a run to a few seconds: the apps come from
    function-scoped fixtures (a fresh store per test), which is intended here."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def call_and_check(case: Any, headers: Mapping[str, str]) -> Any:
    """Send the case with `headers` added and hold the answer to every check (the
    ignored_auth check re-sends a successful request without them and requires a 401);
    returns the response for the test's own assertions."""
    case.headers = {**(case.headers or {}), **headers}
    response = case.call()
    case.validate_response(response, checks=ALL_CHECKS)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code}"
    )
    return response
