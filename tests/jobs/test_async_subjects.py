"""The async jobs API applies the one subject-id rule to the body's `subject_id` and the
`X-Sentinel-Subject` header: a job of `张三` is found by the GDPR export of `张三`, and an
unsafe id is a 422 that does not repeat it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from jobs_support import Deployment, auth, poll
from loopback import wait_until

from sentinel.jobs.model import JOB_PREFIX
from sentinel.models import subject_key_for


@pytest.mark.parametrize(
    ("body", "header", "subject"),
    [
        ({"subject_id": "张三"}, None, "张三"),
        ({}, "张三".encode(), "张三"),
        ({"subject_id": "user 42"}, None, "user 42"),
        ({"subject_id": "Cafe\u0301 #1"}, None, "Café #1"),
    ],
)
def test_a_valid_id_is_one_subject_through_the_job(
    deployment_factory: Callable[..., Deployment], body: dict, header: bytes | None, subject: str
) -> None:
    d = deployment_factory(runtime=False)
    headers = {**auth(d.tokens["proxy"])}
    if header is not None:
        headers["X-Sentinel-Subject"] = header  # type: ignore[assignment]
    payload = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "a"}]}
    resp = d.http.post("/v1/async/chat/completions", json={**payload, **body}, headers=headers)
    assert resp.status_code == 202, resp.text
    job_id = resp.json()["id"]
    stored = dict(d.store.list_state(JOB_PREFIX))[JOB_PREFIX + job_id]
    secret = d.settings.subject_secret_bytes()
    assert stored["subject_id"] == subject
    assert stored["subject_key"] == subject_key_for(subject, secret)
    d.start_runtime()
    poll(d.http, job_id, d.tokens["proxy"])
    export = d.http.post("/v1/gdpr/exports", json={"subject_id": subject},
                         headers=auth(d.tokens["admin"])).json()  # fmt: skip
    status = wait_until(
        lambda: (r := d.http.get(f"/v1/gdpr/exports/{export['id']}",
                                 headers=auth(d.tokens["admin"])).json())
        and r["status"] == "completed" and r, 15)  # fmt: skip
    assert status["counts"]["job"] == 1


@pytest.mark.parametrize(
    "subject", ["user\x00x", "a\x07b", "user\u202eevil", "a\u2066b", " x1", "trail\n",
                "a" * 257]
)  # fmt: skip
def test_unsafe_ids_are_a_422_without_the_id(deployment: Deployment, subject: str) -> None:
    resp = deployment.submit(subject_id=subject)
    assert resp.status_code == 422, resp.text
    assert "invalid subject id" in resp.text
    assert json.dumps(subject)[1:-1] not in resp.text
    header = deployment.http.post(
        "/v1/async/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "a"}]},
        headers={**auth(deployment.tokens["proxy"]), "X-Sentinel-Subject": "a\u202eb".encode()},
    )
    assert header.status_code == 422 and "invalid subject id" in header.text
    assert deployment.fake.count("chat") == 0
