"""The real `openai` Python SDK pointed at the proxy, over loopback HTTP."""

from __future__ import annotations

import itertools
import time

import httpx
import openai
import pytest
from proxy_support import Proxy

from sentinel.config import Settings
from sentinel.models import subject_key_for
from sentinel.testing import Fault

MESSAGES = [{"role": "user", "content": "hello proxy"}]


def sdk(proxy: Proxy, token: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=proxy.base_url, api_key=token or proxy.tokens["proxy"], max_retries=0
    )


def test_completion_is_recorded_under_the_headers_subject_and_app(proxy: Proxy) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="deepseek-v4-flash",
        messages=MESSAGES,
        temperature=0.2,
        extra_headers={"X-Sentinel-Subject": "user-42", "X-Sentinel-App": "billing"},
    )
    resp = raw.parse()
    assert resp.choices[0].message.content == "Echo: hello proxy"
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    request_id = raw.headers["x-request-id"]
    proxy.flush()
    record = proxy.store.get_call(request_id)
    assert record is not None and record.outcome == "success"
    assert record.app == "billing"
    assert record.response_id == resp.id
    secret = proxy.client._core.settings.subject_secret_bytes()
    assert record.subject_key == subject_key_for("user-42", secret)
    assert record.params.temperature == 0.2
    # the upstream saw the sidecar's key, never the app's token or the raw subject
    upstream = proxy.fake.requests[-1]
    assert upstream.headers["authorization"] == f"Bearer {proxy.fake.api_key}"
    assert b"user-42" not in upstream.body


def test_body_user_and_metadata_set_subject_and_app(proxy: Proxy) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="deepseek-v4-flash",
        messages=MESSAGES,
        user="subject-from-body",
        extra_body={"metadata": {"app": "from-metadata", "team": "search"}, "seed": 7},
    )
    proxy.flush()
    record = proxy.store.get_call(raw.headers["x-request-id"])
    assert record.app == "from-metadata"
    assert record.metadata == {"app": "from-metadata", "team": "search"}
    secret = proxy.client._core.settings.subject_secret_bytes()
    assert record.subject_key == subject_key_for("subject-from-body", secret)
    sent = proxy.fake.requests[-1].json()
    assert "user" not in sent and "metadata" not in sent
    assert sent["seed"] == 7  # parameters Sentinel does not know still reach the upstream


def test_body_subject_id_is_the_subject_and_never_forwarded(proxy: Proxy) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="deepseek-v4-flash", messages=MESSAGES, extra_body={"subject_id": "sid-9"}
    )
    proxy.flush()
    record = proxy.store.get_call(raw.headers["x-request-id"])
    secret = proxy.client._core.settings.subject_secret_bytes()
    assert record.subject_key == subject_key_for("sid-9", secret)
    assert b"sid-9" not in proxy.fake.requests[-1].body


def test_without_subject_the_clients_default_app_is_used(proxy: Proxy) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="deepseek-v4-flash", messages=MESSAGES
    )
    proxy.flush()
    record = proxy.store.get_call(raw.headers["x-request-id"])
    assert record.app == "proxy-default" and record.subject_key is None


def test_stream_is_relayed_chunk_by_chunk_as_the_upstream_produces_it(proxy: Proxy) -> None:
    proxy.fake.chunk_delay = 0.25
    words = "one two three four five"
    started = time.monotonic()
    arrivals: list[float] = []
    pieces: list[str] = []
    with sdk(proxy).chat.completions.with_streaming_response.create(
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": words}],
        stream=True,
        extra_headers={"X-Sentinel-Subject": "streamer"},
        extra_body={"thinking": {"type": "disabled"}},
    ) as raw:
        request_id = raw.headers["x-request-id"]
        for chunk in raw.parse():
            arrivals.append(time.monotonic() - started)
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
    assert "".join(pieces) == f"Echo: {words}"
    # the upstream needs >= 6 x 0.25 s for its 7 events; the first must arrive long before
    assert arrivals[-1] >= 1.4
    assert arrivals[0] < 0.5
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert sum(g > 0.15 for g in gaps) >= 5  # spaced like the upstream, not in one burst
    proxy.flush()
    record = proxy.store.get_call(request_id)
    assert record.outcome == "success" and record.params.stream
    assert record.output_tokens == len(f"Echo: {words}".split())


def test_models_are_listed(proxy: Proxy) -> None:
    ids = [m.id for m in sdk(proxy).models.list()]
    assert ids == proxy.fake.models


@pytest.mark.parametrize(
    ("token", "status", "error"),
    [
        ("sst_0000000000000000_" + "x" * 43, 401, openai.AuthenticationError),
        ("not-a-token", 401, openai.AuthenticationError),
        ("revoked", 401, openai.AuthenticationError),
        ("alerts:read", 403, openai.PermissionDeniedError),
    ],
)
def test_bad_tokens_are_refused_before_any_upstream_call(
    proxy: Proxy, token: str, status: int, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        sdk(proxy, proxy.tokens.get(token, token)).chat.completions.create(
            model="deepseek-v4-flash", messages=MESSAGES
        )
    assert info.value.status_code == status
    assert proxy.fake.count("chat") == 0


def test_missing_token_is_401_with_bearer_challenge(proxy: Proxy) -> None:
    resp = httpx.post(f"{proxy.base_url}/chat/completions", json={"model": "m"})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert resp.json()["error"]["type"] == "authentication_error"


def test_upstream_400_keeps_the_servers_message(proxy: Proxy) -> None:
    proxy.fake.fail(Fault.error(400, message="Invalid model name"))
    with pytest.raises(openai.BadRequestError) as info:
        sdk(proxy).chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
    assert info.value.status_code == 400
    assert info.value.body["message"] == "Invalid model name"
    proxy.flush()
    record = proxy.store.get_call(info.value.response.headers["x-request-id"])
    assert record.outcome == "failure" and record.http_status == 400


def test_rate_limit_after_retries_is_429(proxy: Proxy) -> None:
    proxy.fake.fail_always(Fault.rate_limited(retry_after=0.01))
    with pytest.raises(openai.RateLimitError) as info:
        sdk(proxy).chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
    assert info.value.status_code == 429
    assert proxy.fake.count("chat") == 2  # the client's one retry, then the app is told


def test_unreachable_upstream_is_503(proxy: Proxy) -> None:
    proxy.fake.fail_always(Fault.drop_connection())
    with pytest.raises(openai.InternalServerError) as info:
        sdk(proxy).chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
    assert info.value.status_code == 503
    assert info.value.body["code"] == "upstream_unreachable"


def test_open_circuit_is_503_with_retry_after(proxy: Proxy) -> None:
    proxy.fake.fail_always(500)
    client = sdk(proxy)
    for _ in range(2):  # breaker threshold in the fixture
        with pytest.raises(openai.InternalServerError) as info:
            client.chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
        assert info.value.status_code == 502
    calls = proxy.fake.count("chat")
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MESSAGES)
    assert info.value.status_code == 503
    assert info.value.body["code"] == "circuit_open"
    assert 1 <= int(info.value.response.headers["retry-after"]) <= 30
    assert proxy.fake.count("chat") == calls  # failed fast, nothing sent


def test_stream_cut_by_the_upstream_ends_with_an_error_event(proxy: Proxy) -> None:
    proxy.fake.fail(Fault.truncate(2))
    with pytest.raises(openai.APIError) as info:
        for _ in sdk(proxy).chat.completions.create(
            model="deepseek-v4-flash", messages=MESSAGES, stream=True
        ):
            pass
    assert "stream" in info.value.message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "must be JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"model": "deepseek-v4-flash"}', "messages is required"),
        (b'{"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}], '
         b'"temperature": 9}', "temperature must be between"),
        (b'{"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": "x"}], '
         b'"user": 5}', "user must be a string"),
    ],
)  # fmt: skip
def test_bad_bodies_are_openai_shaped_400s(proxy: Proxy, body: bytes, fragment: str) -> None:
    resp = httpx.post(
        f"{proxy.base_url}/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {proxy.tokens['proxy']}"},
    )
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert fragment in error["message"] and error["type"] == "invalid_request_error"
    assert proxy.fake.count("chat") == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/embeddings"), ("POST", "/v1/completions"), ("GET", "/docs"), ("GET", "/")],
)
def test_other_paths_are_404_and_never_forwarded(proxy: Proxy, method: str, path: str) -> None:
    resp = httpx.request(
        method, proxy.url + path, headers={"Authorization": f"Bearer {proxy.tokens['proxy']}"}
    )
    assert resp.status_code == 404
    assert "forwards nothing else" in resp.json()["error"]["message"]
    assert proxy.fake.requests == []


def test_app_hanging_up_mid_stream_ends_the_upstream_call_and_is_recorded(proxy: Proxy) -> None:
    proxy.fake.chunk_delay = 0.2
    words = " ".join(f"w{i}" for i in range(30))  # ~6 s of upstream stream
    started = time.monotonic()
    with sdk(proxy).chat.completions.with_streaming_response.create(
        model="deepseek-v4-flash", messages=[{"role": "user", "content": words}], stream=True
    ) as raw:
        request_id = raw.headers["x-request-id"]
        stream = iter(raw.parse())
        next(stream), next(stream)
    # the proxy notices the hang-up, closes the upstream stream and reports the call
    deadline = time.monotonic() + 3
    record = None
    while record is None and time.monotonic() < deadline:
        proxy.flush()
        record = proxy.store.get_call(request_id)
        time.sleep(0.05)
    assert record is not None, "call not recorded after the app hung up"
    assert time.monotonic() - started < 4  # well before the upstream would have finished
    assert record.output_tokens is None  # the usage chunk never came


def test_oversized_body_is_an_openai_shaped_413(proxy: Proxy) -> None:
    limit = proxy.client._core.settings.proxy_max_body_bytes
    assert Settings().proxy_max_body_bytes >= 4 * 2**20 * 4  # the default: a 1M-token context
    content = "x" * limit
    huge = {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": content}]}
    resp = httpx.post(
        f"{proxy.base_url}/chat/completions",
        json=huge,
        headers={"Authorization": f"Bearer {proxy.tokens['proxy']}"},
    )
    assert resp.status_code == 413
    assert "larger than" in resp.json()["error"]["message"]
    assert proxy.fake.count("chat") == 0


def test_retired_alias_error_names_the_replacement_through_the_proxy(proxy: Proxy) -> None:
    # the proxy relays the upstream body's message: it must carry the catalogue's hint,
    # as the Python client's exception does, or an SDK user is left with "Model Not Exist"
    with pytest.raises(openai.BadRequestError) as info:
        sdk(proxy).chat.completions.create(model="deepseek-chat", messages=MESSAGES)
    message = info.value.body["message"]
    assert message.startswith("Model Not Exist")
    assert "'deepseek-chat' was retired on 2026-07-24" in message
    assert "use 'deepseek-v4-flash' with thinking={'type': 'disabled'}" in message
