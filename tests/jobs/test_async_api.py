"""Async jobs over real HTTP: submit -> 202 + Location -> poll -> the completion the
fake upstream produced, the webhook's signature, and the API's 401/403/404/422."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx
from jobs_support import SECRET, Deployment, auth, poll
from loopback import wait_until


def test_submit_poll_result(deployment: Deployment) -> None:
    resp = deployment.submit(messages=[{"role": "user", "content": "async hello"}])
    assert resp.status_code == 202
    job_id = resp.json()["id"]
    assert resp.headers["location"] == f"/v1/async/jobs/{job_id}"
    assert resp.json()["status"] == "queued"

    body = poll(deployment.http, job_id, deployment.tokens["proxy"])
    assert body["status"] == "succeeded", body
    assert body["result"]["choices"][0]["message"]["content"] == "Echo: async hello"
    assert body["error"] is None
    # The call went through the Sentinel client: upstream saw it once, the store has it.
    assert deployment.fake.count("chat") == 1
    deployment.store.refresh()
    assert wait_until(lambda: deployment.store.get_call(body["request_id"]), 5)


def test_upstream_error_fails_the_job_with_the_servers_message(deployment: Deployment) -> None:
    deployment.fake.fail(402)
    job_id = deployment.submit().json()["id"]
    body = poll(deployment.http, job_id, deployment.tokens["proxy"])
    assert body["status"] == "failed"
    assert body["error"]["type"] == "InsufficientBalanceError"
    assert body["error"]["status_code"] == 402
    assert body["result"] is None


def test_webhook_receives_a_verifiable_signed_result(deployment: Deployment) -> None:
    rx = deployment.receiver
    resp = deployment.submit(webhook_url=rx.url, messages=[{"role": "user", "content": "hook"}])
    job_id = resp.json()["id"]
    key = f"job_{job_id}"
    assert wait_until(lambda: rx.keys[key] == 1, 15)
    raw = rx.raw[-1]
    # The documented recipe, by hand: HMAC-SHA256(secret, timestamp + "." + raw body).
    ts = raw["headers"]["X-Sentinel-Timestamp"]
    mac = hmac.new(SECRET.encode(), ts.encode() + b"." + raw["body"], hashlib.sha256)
    assert raw["headers"]["X-Sentinel-Signature"] == "sha256=" + mac.hexdigest()
    # A tampered body or a different secret would not verify.
    forged = hmac.new(b"other", ts.encode() + b"." + raw["body"], hashlib.sha256)
    assert raw["headers"]["X-Sentinel-Signature"] != "sha256=" + forged.hexdigest()
    delivered = json.loads(raw["body"])
    assert delivered["id"] == job_id and delivered["status"] == "succeeded"
    assert delivered["result"]["choices"][0]["message"]["content"] == "Echo: hook"
    status = poll(deployment.http, job_id, deployment.tokens["proxy"])
    assert wait_until(
        lambda: deployment.http.get(f"/v1/async/jobs/{job_id}", headers=auth(
            deployment.tokens["proxy"])).json()["webhook"]["status"] == "delivered", 5)  # fmt: skip
    assert status["result"] == delivered["result"]
    assert rx.bad_signatures == 0


def test_auth_scope_and_ownership(deployment: Deployment) -> None:
    http = deployment.http
    assert deployment.http.post("/v1/async/chat/completions", json={}).status_code == 401
    bad = http.post("/v1/async/chat/completions", json={}, headers=auth("sst_nope"))
    assert bad.status_code == 401
    assert deployment.submit(token="gdpr").status_code == 403
    job_id = deployment.submit().json()["id"]
    assert http.get(f"/v1/async/jobs/{job_id}").status_code == 401
    assert http.get(f"/v1/async/jobs/{job_id}", headers=auth(deployment.tokens["gdpr"])
                    ).status_code == 403  # fmt: skip
    # Another app's token cannot read it (404, like an unknown id); admin can.
    assert http.get(f"/v1/async/jobs/{job_id}", headers=auth(deployment.tokens["proxy2"])
                    ).status_code == 404  # fmt: skip
    assert http.get(f"/v1/async/jobs/{job_id}", headers=auth(deployment.tokens["admin"])
                    ).status_code == 200  # fmt: skip
    for unknown in ("0" * 32, "not-a-job", "../../etc"):
        resp = http.get(f"/v1/async/jobs/{unknown}", headers=auth(deployment.tokens["proxy"]))
        assert resp.status_code == 404


def test_bad_bodies_are_422_naming_the_problem(deployment: Deployment) -> None:
    cases = [
        ({"messages": []}, "messages must not be empty"),
        ({"temperature": 7}, "temperature must be between 0 and 2"),
        ({"stream": True}, "cannot stream"),
        ({"temprature": 0.1}, "did you mean 'temperature'"),
        ({"subject_id": " edge spaces "}, "subject id"),
        ({"webhook_url": "ftp://127.0.0.1/x"}, "http:// or https://"),
    ]
    for body, message in cases:
        resp = deployment.submit(**body)
        assert resp.status_code == 422, (body, resp.text)
        assert message in json.dumps(resp.json()), (body, resp.json())
    for raw in (b"[1, 2]", b"not json", b'"text"'):
        resp = deployment.http.post(
            "/v1/async/chat/completions",
            content=raw,
            headers={**auth(deployment.tokens["proxy"]), "content-type": "application/json"},
        )
        assert resp.status_code == 422, raw
    assert deployment.fake.count("chat") == 0


def test_queue_metrics_show_depth_and_age(deployment_factory: Callable[..., Deployment]) -> None:
    d = deployment_factory(runtime=False)
    for _ in range(3):
        assert d.submit().status_code == 202
    time.sleep(0.3)
    d.start_runtime(run_jobs=False).tick()  # scans and measures, runs nothing

    def sample(name: str) -> float:
        lines = [ln for ln in d.http.get("/metrics").text.splitlines() if ln.startswith(name)]
        assert lines, name
        return float(lines[0].split()[-1])

    assert sample('sentinel_async_jobs{state="queued"}') == 3
    first = sample("sentinel_async_jobs_oldest_queued_age_seconds ")
    assert first >= 0.3
    time.sleep(0.2)  # the age grows between scans: it is computed at scrape time
    assert sample("sentinel_async_jobs_oldest_queued_age_seconds ") >= first + 0.2


def test_a_retried_post_with_the_same_idempotency_key_runs_once(deployment: Deployment) -> None:
    http, token = deployment.http, deployment.tokens["proxy"]
    body = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "once"}]}

    def post(key: str, json_body: dict, who: str = token) -> httpx.Response:
        return http.post("/v1/async/chat/completions", json=json_body,
                         headers={**auth(who), "Idempotency-Key": key})  # fmt: skip

    first = post("order-7", body)
    again = post("order-7", body)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    poll(http, first.json()["id"], token)
    assert post("order-7", body).json()["status"] == "succeeded"  # the finished job
    assert deployment.fake.count("chat") == 1
    # The key is per token, and a different request under a used key is refused.
    other = post("order-7", body, deployment.tokens["proxy2"])
    assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
    conflict = post("order-7", {**body, "temperature": 0.5})
    assert conflict.status_code == 422
    assert conflict.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert post("bad key with spaces", body).status_code == 422
    assert post("k" * 256, body).status_code == 422
