"""FakeDeepSeek as an app developer would use it, over plain httpx: fault scripts apply
in order, faults are per endpoint, and the OpenAI-shaped answers are what clients expect."""

from __future__ import annotations

import base64
import gzip
import json
import time

import httpx
import pytest

from sentinel.testing import FakeDeepSeek, Fault, FaultPlan
from sentinel.testing.faults import as_fault

MSG = [{"role": "user", "content": "hello there"}]


def _chat(fake: FakeDeepSeek, path: str = "/chat/completions", **body) -> httpx.Response:
    return httpx.post(
        fake.url + path,
        json={"model": "deepseek-v4-flash", "messages": MSG, **body},
        headers={"authorization": f"Bearer {fake.api_key}"},
        timeout=10,
    )


def test_fault_plan_order_script_then_always_then_random():
    plan = FaultPlan()
    plan.script([429, Fault.slow(0.5), 200])
    plan.always(503)
    assert [plan.next().status for _ in range(4)] == [429, None, None, 503]
    plan.clear()
    plan.randomly(0.5, 500, seed=3)
    first = [plan.next().status for _ in range(20)]
    plan.randomly(0.5, 500, seed=3)
    assert [plan.next().status for _ in range(20)] == first and 500 in first and None in first
    plan.latency = 0.25
    assert plan.next().delay == 0.25 and plan.pending == 0


def test_fault_validation():
    with pytest.raises(ValueError, match="4xx or 5xx"):
        as_fault(302)
    with pytest.raises(ValueError, match="within"):
        FaultPlan().randomly(1.5, 500)
    with FakeDeepSeek() as fake, pytest.raises(ValueError, match="unknown endpoint"):
        fake.script(500, endpoint="embeddings")


def test_completion_shape_usage_and_recorded_request(fake_deepseek):
    resp = _chat(
        fake_deepseek, path="/v1/chat/completions", temperature=0.5, thinking={"type": "disabled"}
    )
    doc = resp.json()
    assert resp.status_code == 200 and doc["object"] == "chat.completion"
    assert doc["choices"][0]["message"] == {"role": "assistant", "content": "Echo: hello there"}
    assert doc["usage"] == {
        "prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5,
        "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": 2,
        "completion_tokens_details": {"reasoning_tokens": 0},
    }  # fmt: skip
    (req,) = fake_deepseek.requests
    assert req.endpoint == "chat" and req.json()["temperature"] == 0.5


def test_scripted_errors_carry_retry_after_and_openai_error_bodies(fake_deepseek):
    fake_deepseek.script(Fault.rate_limited(retry_after=3), Fault.error(402, message="Broke"))
    first, second, third = (_chat(fake_deepseek) for _ in range(3))
    assert first.status_code == 429 and first.headers["retry-after"] == "3"
    assert second.status_code == 402 and second.json()["error"]["message"] == "Broke"
    assert third.status_code == 200 and fake_deepseek.count() == 3


def test_faults_are_per_endpoint_and_latency_applies(fake_deepseek):
    fake_deepseek.fail_always(503, endpoint="models")
    fake_deepseek.set_latency(0.2)
    headers = {"authorization": f"Bearer {fake_deepseek.api_key}"}
    assert httpx.get(fake_deepseek.url + "/models", headers=headers).status_code == 503
    start = time.monotonic()
    assert _chat(fake_deepseek).status_code == 200
    assert time.monotonic() - start >= 0.2
    fake_deepseek.reset()
    assert fake_deepseek.requests == []
    models = httpx.get(fake_deepseek.url + "/models", headers=headers).json()
    assert [m["id"] for m in models["data"]] == [
        "deepseek-v4-flash",
        "deepseek-v4-pro",
        "deepseek-flash",
    ]


def test_dropped_connection_and_truncated_stream(fake_deepseek):
    fake_deepseek.fail(Fault.drop_connection())
    with pytest.raises(httpx.RemoteProtocolError):
        _chat(fake_deepseek)
    fake_deepseek.fail(Fault.truncate(after_chunks=2))
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream(
            "POST",
            fake_deepseek.url + "/chat/completions",
            json={"model": "deepseek-v4-flash", "messages": MSG, "stream": True},
            headers={"authorization": f"Bearer {fake_deepseek.api_key}"},
        ) as resp,
    ):
        lines = []
        for line in resp.iter_lines():
            lines.append(line)
    assert sum(1 for line in lines if line.startswith("data: ")) == 2


def test_error_reply_cut_mid_body(fake_deepseek):
    fake_deepseek.fail(Fault.error(500, cut_body=True))
    with httpx.stream(
        "POST",
        fake_deepseek.url + "/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": MSG},
        headers={"authorization": f"Bearer {fake_deepseek.api_key}"},
    ) as resp:
        assert resp.status_code == 500  # the status line and headers arrived
        with pytest.raises(httpx.RemoteProtocolError):
            resp.read()
    assert _chat(fake_deepseek).status_code == 200  # one request only


def test_stream_has_keepalives_usage_last_and_done(fake_deepseek):
    fake_deepseek.keepalive_comments = 2
    body = _chat(fake_deepseek, stream=True, thinking={"type": "disabled"}).text
    events = [block for block in body.split("\n\n") if block]
    assert events[:2] == [": keep-alive", ": keep-alive"] and events[-1] == "data: [DONE]"
    chunks = [json.loads(e[6:]) for e in events[2:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == (
        "Echo: hello there"
    )
    assert chunks[-1]["usage"]["total_tokens"] == 5
    assert all("usage" not in c for c in chunks[:-1])


def test_auth_key_oauth_token_and_gzip_bodies(fake_deepseek):
    bad = httpx.post(fake_deepseek.url + "/chat/completions", json={"messages": MSG})
    assert bad.status_code == 401
    basic = base64.b64encode(b"fake-client:fake-client-secret").decode()
    token = httpx.post(
        fake_deepseek.token_url,
        data={"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {basic}"},
    ).json()
    assert token["expires_in"] == 7200 and fake_deepseek.tokens_issued == 1
    wrong = httpx.post(
        fake_deepseek.token_url,
        data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
    )
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
    resp = httpx.post(
        fake_deepseek.url + "/chat/completions",
        content=gzip.compress(json.dumps({"model": "deepseek-v4-pro", "messages": MSG}).encode()),
        headers={
            "authorization": f"Bearer {token['access_token']}",
            "content-encoding": "gzip",
            "content-type": "application/json",
        },
    )
    assert resp.status_code == 200
    fake_deepseek.revoke_tokens()
    again = httpx.post(
        fake_deepseek.url + "/chat/completions",
        json={"messages": MSG},
        headers={"authorization": f"Bearer {token['access_token']}"},
    )
    assert again.status_code == 401
