"""Every documented status of the GDPR API, probed through the real app: 401, 403,
404, 409, 413, 422, 429, 202, 200; hostile subject ids rejected cleanly; JSON and
nosniff on every answer."""

from __future__ import annotations

import json
import re
import threading

import pytest
from api_support import SUBJECT, Api, seed_subject

from sentinel.api.state import api_state
from sentinel.compliance.gdpr_jobs import is_job_id

UNKNOWN_ID = "0" * 32
ENDPOINTS = [
    ("POST", "/v1/gdpr/exports", "gdpr:export"),
    ("GET", f"/v1/gdpr/exports/{UNKNOWN_ID}", "gdpr:export"),
    ("GET", f"/v1/gdpr/exports/{UNKNOWN_ID}/download", "gdpr:export"),
    ("POST", "/v1/gdpr/erasures", "gdpr:erase"),
    ("GET", f"/v1/gdpr/erasures/{UNKNOWN_ID}", "gdpr:erase"),
]
# Injection probes are valid ids (they are bound parameters and HMAC inputs only): each
# is accepted like any other subject, answered without a 5xx, and never reflected.
INJECTION_PROBES = [
    "' OR '1'='1",
    "1; DROP TABLE calls; --",
    "x' UNION SELECT doc FROM state --",
    '{"$gt": ""}',
    "$where: '1 == 1'",
    "*",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "${jndi:ldap://x/a}",
]
# What cannot be carried safely (sentinel.subjects): refused with 422, never echoed.
HOSTILE_IDS = [
    "user\x00admin",
    "a" * 10_240,
    "a" * 257,
    "",
    " user-42",
    "user-42\n",
    "user\u202eadmin",
    "user\u2066x\u2069",
    "\ud800user",
]
HOSTILE_BODIES = [
    {"subject_id": {"$gt": ""}},
    {"subject_id": ["user-42"]},
    {"subject_id": 42},
    {"subject_id": None},
    {},
    {"subject_id": "user-42", "extra": "field"},
    ["user-42"],
    "user-42",
]


def _call(api: Api, method: str, path: str, headers: dict[str, str] | None = None):
    body = {"subject_id": "user-42"} if method == "POST" else None
    return api.client.request(method, path, json=body, headers=headers or {})


def _assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-content-type-options"] == "nosniff"
    return response.json()


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "revoked", "tampered"],
)
def test_401_without_a_valid_token(api: Api, method, path, scope, authorization) -> None:
    if authorization == "revoked":
        authorization = f"Bearer {api.tokens['revoked']}"
    elif authorization == "tampered":
        authorization = f"Bearer {api.tokens[scope][:-2]}xx"
    headers = {"Authorization": authorization} if authorization else {}
    response = _call(api, method, path, headers)
    _assert_json_error(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS)
def test_403_for_a_token_without_the_scope(api: Api, method, path, scope) -> None:
    for other in ("gdpr:export", "gdpr:erase", "alerts:read"):
        if other == scope:
            continue
        response = _call(api, method, path, api.auth(other))
        body = _assert_json_error(response, 403)
        assert scope in body["detail"]
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/gdpr/exports/{UNKNOWN_ID}",
        f"/v1/gdpr/exports/{UNKNOWN_ID}/download",
        f"/v1/gdpr/erasures/{UNKNOWN_ID}",
        "/v1/gdpr/exports/..%2F..%2Fetc%2Fpasswd",
        "/v1/gdpr/exports/%00",
        "/v1/gdpr/erasures/' OR 1=1 --",
        f"/v1/gdpr/erasures/{'f' * 10_000}",
        "/v1/gdpr/exports/<script>/download",
    ],
)
def test_404_for_unknown_or_malformed_ids(api: Api, path: str) -> None:
    response = api.client.get(path, headers=api.auth("admin"))
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["detail"]


@pytest.mark.parametrize("endpoint", ["/v1/gdpr/exports", "/v1/gdpr/erasures"])
@pytest.mark.parametrize("subject_id", HOSTILE_IDS, ids=lambda s: repr(s)[:30])
def test_hostile_subject_ids_are_rejected_with_422_and_never_echoed(
    api: Api, endpoint: str, subject_id: str
) -> None:
    # ASCII JSON, so a lone surrogate travels as the escape a client would send
    headers = {**api.auth("admin"), "Content-Type": "application/json"}
    response = api.client.post(endpoint, content=json.dumps({"subject_id": subject_id}),
                               headers=headers)  # fmt: skip
    body = _assert_json_error(response, 422)
    assert body["detail"][0]["loc"] == ["body", "subject_id"]
    if subject_id:
        assert json.dumps(subject_id)[1:-1] not in response.text
    assert list(api_state(api.app).compliance.audit.entries()) == []  # nothing happened


@pytest.mark.parametrize("endpoint", ["/v1/gdpr/exports", "/v1/gdpr/erasures"])
@pytest.mark.parametrize("subject_id", INJECTION_PROBES, ids=lambda s: repr(s)[:30])
def test_injection_probes_are_ordinary_subjects_never_reflected(
    api: Api, endpoint: str, subject_id: str
) -> None:
    response = api.client.post(endpoint, json={"subject_id": subject_id}, headers=api.auth("admin"))
    assert response.status_code == 202, response.text
    job = api.client.get(f"{endpoint}/{response.json()['id']}", headers=api.auth("admin"))
    assert job.status_code == 200
    for answer in (response, job):
        assert json.dumps(subject_id)[1:-1] not in answer.text


@pytest.mark.parametrize("endpoint", ["/v1/gdpr/exports", "/v1/gdpr/erasures"])
@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=lambda b: repr(b)[:30])
def test_malformed_bodies_are_422(api: Api, endpoint: str, body) -> None:
    response = api.client.post(endpoint, json=body, headers=api.auth("admin"))
    _assert_json_error(response, 422)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"subject_id=user-42", "application/x-www-form-urlencoded"),
        (b"user-42", "text/plain"),
        (b"", "application/json"),
    ],
)
def test_non_json_bodies_are_422(api: Api, content: bytes, content_type: str) -> None:
    response = api.client.post(
        "/v1/gdpr/erasures", content=content,
        headers={**api.auth("admin"), "content-type": content_type},
    )  # fmt: skip
    _assert_json_error(response, 422)


def test_413_for_oversized_bodies_declared_or_streamed(api: Api) -> None:
    big = json.dumps({"subject_id": "a" * 100_000}).encode()
    response = api.client.post(
        "/v1/gdpr/exports", content=big,
        headers={**api.auth("admin"), "content-type": "application/json"},
    )  # fmt: skip
    _assert_json_error(response, 413)

    def chunks():
        for _ in range(100):
            yield b"a" * 1024

    response = api.client.post(
        "/v1/gdpr/exports", content=chunks(),
        headers={**api.auth("admin"), "content-type": "application/json"},
    )  # fmt: skip
    _assert_json_error(response, 413)


def test_export_202_then_200_status_and_download(api: Api, sqlite_store) -> None:
    seed_subject(sqlite_store, SUBJECT, n=3)
    seed_subject(sqlite_store, "someone-else", n=2)
    response = api.client.post(
        "/v1/gdpr/exports", json={"subject_id": SUBJECT}, headers=api.auth("gdpr:export")
    )
    assert response.status_code == 202
    job = response.json()
    assert is_job_id(job["id"]) and job["status"] == "pending"
    assert response.headers["location"] == f"/v1/gdpr/exports/{job['id']}"

    status = api.client.get(response.headers["location"], headers=api.auth("gdpr:export"))
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "completed"
    assert body["counts"] == {
        "conversation": 3, "call": 3, "feedback": 3, "alert": 0, "cache": 0,
    }  # fmt: skip
    assert SUBJECT not in status.text  # the status never shows the raw id

    download = api.client.get(body["download"], headers=api.auth("gdpr:export"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/json"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"
    doc = download.json()
    assert doc["summary"]["total"] == 9
    assert {r["data"]["request_id"] for r in doc["records"]} == {f"{SUBJECT}-{i}" for i in range(3)}


def test_download_before_completion_is_409(api: Api) -> None:
    for thread in threading.enumerate():  # startup resumes unfinished jobs: let it end first
        if thread.name == "sentinel-gdpr-resume":
            thread.join(30)
    service = api_state(api.app).compliance
    job = service.exports.request(SUBJECT, service.subject_key(SUBJECT), "t", None)  # not run
    response = api.client.get(  # no owner: only an admin token may see it
        f"/v1/gdpr/exports/{job['id']}/download", headers=api.auth("admin")
    )
    _assert_json_error(response, 409)


def test_erasure_202_then_200_with_removed_counts(api: Api, sqlite_store) -> None:
    seed_subject(sqlite_store, SUBJECT, n=4)
    response = api.client.post(
        "/v1/gdpr/erasures", json={"subject_id": SUBJECT}, headers=api.auth("gdpr:erase")
    )
    assert response.status_code == 202
    status = api.client.get(response.headers["location"], headers=api.auth("gdpr:erase"))
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "completed"
    assert body["removed"] == {"sqlite": 12, "spool": 0, "exports": 0, "dead-letter": 0}
    assert SUBJECT not in status.text
    entries = list(api_state(api.app).compliance.audit.entries())
    assert [(e.actor, e.action) for e in entries] == [
        ("t-gdpr:erase", "erasure.requested"),
        ("t-gdpr:erase", "erasure.completed"),
    ]
    assert entries[0].request_id == response.headers["x-request-id"]


def test_erasures_are_rate_limited_per_token(api: Api) -> None:
    # TestClient runs each erasure inside its request: without the writers' settle wait
    # the seven requests stay well inside one refill of the limiter
    api_state(api.app).compliance.erasures.settle = 0.0
    statuses = [
        api.client.post(
            "/v1/gdpr/erasures", json={"subject_id": f"s-{i}"}, headers=api.auth("gdpr:erase")
        ).status_code
        for i in range(7)
    ]
    assert statuses == [202] * 5 + [429] * 2
    limited = api.client.post(
        "/v1/gdpr/erasures", json={"subject_id": "s-x"}, headers=api.auth("gdpr:erase")
    )
    _assert_json_error(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    # another token has its own budget
    ok = api.client.post("/v1/gdpr/erasures", json={"subject_id": "s-y"}, headers=api.auth("admin"))
    assert ok.status_code == 202


def test_request_ids_are_echoed_when_sane_and_replaced_otherwise(api: Api) -> None:
    ok = api.client.get("/v1/gdpr/erasures/x", headers={"X-Request-ID": "abc-123"})
    assert ok.headers["x-request-id"] == "abc-123"
    bad = api.client.get("/v1/gdpr/erasures/x", headers={"X-Request-ID": "<script>" * 20})
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["x-request-id"])


def test_unknown_routes_and_methods_answer_json(api: Api) -> None:
    _assert_json_error(api.client.get("/v1/gdpr/nothing-here"), 404)
    _assert_json_error(api.client.delete("/v1/gdpr/exports", headers=api.auth("admin")), 405)
