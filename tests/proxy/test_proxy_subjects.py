"""The sidecar proxy applies the one subject-id rule to `X-Sentinel-Subject` and to the
body's `user` / `subject_id`: what the Python client stores, it stores the same way (an
id sent as UTF-8 header bytes is the same subject as in the body), and what cannot be
carried safely is a 400 that does not repeat the id."""

from __future__ import annotations

import httpx
import pytest
from proxy_support import Proxy

from sentinel.models import subject_key_for

MESSAGES = [{"role": "user", "content": "hello proxy"}]


def _post(proxy: Proxy, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(
        f"{proxy.base_url}/chat/completions",
        json={"model": "deepseek-v4-flash", "messages": MESSAGES, **body},
        headers={"Authorization": f"Bearer {proxy.tokens['proxy']}", **(headers or {})},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("body", "headers", "subject"),
    [
        ({}, {"X-Sentinel-Subject": "张三".encode()}, "张三"),
        ({"user": "张三"}, {}, "张三"),
        ({"user": "user 42"}, {}, "user 42"),
        ({"subject_id": "tenant/42 | #7"}, {}, "tenant/42 | #7"),
        ({}, {"X-Sentinel-Subject": "Alice Smith"}, "Alice Smith"),
        ({"user": "Cafe\u0301"}, {}, "Café"),  # stored in NFC
    ],
)
def test_every_spelling_of_a_valid_id_is_one_stored_subject(
    proxy: Proxy, body: dict, headers: dict, subject: str
) -> None:
    resp = _post(proxy, body, headers)
    assert resp.status_code == 200, resp.text
    proxy.flush()
    request_id = resp.headers["x-request-id"]
    secret = proxy.client._core.settings.subject_secret_bytes()
    assert proxy.store.get_call(request_id).subject_key == subject_key_for(subject, secret)
    assert proxy.store.get_conversation(request_id).subject_id == subject
    assert subject.encode() not in proxy.fake.requests[-1].body  # never forwarded


@pytest.mark.parametrize(
    "subject",
    ["user\x00admin", "user\x1b[2J", "a\nb", "user\u202eevil", "a\u2066b", " x", "x\t",
     "a" * 257],
)  # fmt: skip
def test_unsafe_body_ids_are_a_400_without_the_id(proxy: Proxy, subject: str) -> None:
    """(An empty `user` stays what OpenAI SDKs mean by it: no subject.)"""
    for field in ("user", "subject_id"):
        resp = _post(proxy, {field: subject})
        assert resp.status_code == 400, resp.text
        error = resp.json()["error"]
        assert "invalid subject id" in error["message"]
        if len(subject) > 1:
            assert subject not in resp.text
    assert proxy.fake.count("chat") == 0


@pytest.mark.parametrize("subject", ["user\u202eevil", "a\u2066b\u2069", "\u200fx\u2067"])
def test_unsafe_header_ids_are_refused_too(proxy: Proxy, subject: str) -> None:
    resp = _post(proxy, {"user": "fine"}, {"X-Sentinel-Subject": subject.encode()})
    assert resp.status_code == 400
    assert "invalid subject id" in resp.json()["error"]["message"]
    assert proxy.fake.count("chat") == 0
