"""End to end over loopback: every kind of call yields one span, one log line, one record."""

from __future__ import annotations

import threading

import pytest

from sentinel.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    InsufficientBalanceError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    UnprocessableEntityError,
)
from sentinel.testing import Fault

MSG = [{"role": "user", "content": "hello"}]


def test_success_fills_response_record_span_and_log(harness):
    client = harness.client(app="support-bot")
    resp = client.chat.completions.create(
        model="deepseek-v4-flash",
        messages=MSG,
        temperature=0.3,
        top_p=0.9,
        max_tokens=50,
        stop=["\n\n"],
        subject_id="user-42",
        metadata={"tenant": "acme"},
    )
    assert resp.content == "Echo: hello"
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    harness.assert_one_each(1)
    rec = harness.store.get_call(resp.request_id)
    assert rec.outcome == "success" and rec.http_status == 200
    assert rec.app == "support-bot" and rec.metadata == {"tenant": "acme"}
    assert rec.response_id == resp.id and rec.finish_reasons == ["stop"]
    assert rec.input_tokens == resp.usage.prompt_tokens
    assert rec.params.temperature == 0.3 and rec.params.stop == ["\n\n"]
    assert rec.endpoint == f"127.0.0.1:{harness.fake.port}"
    assert rec.subject_key and rec.subject_key != "user-42"
    conv = harness.store.get_conversation(resp.request_id)
    assert conv.subject_id == "user-42" and conv.completion == "Echo: hello"
    assert conv.messages == MSG


def test_429_retried_on_schedule_then_succeeds(harness):
    harness.fake.script(429, 429, 200)
    client = harness.client()
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.clock.sleeps == [1.0, 2.0]
    assert harness.fake.count() == 3
    harness.assert_one_each(1)
    rec = harness.store.get_call(resp.request_id)
    assert rec.retries == 2 and rec.rate_limited and rec.outcome == "success"
    span = harness.spans.get_finished_spans()[0]
    assert [e.name for e in span.events] == ["retry", "retry"]


def test_retry_after_wins_when_larger(harness):
    harness.fake.script(Fault.rate_limited(retry_after=5), Fault.rate_limited(retry_after=1))
    harness.client().chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.clock.sleeps == [5.0, 2.0]


def test_429_gives_up_after_three_retries(harness):
    harness.fake.fail_always(429)
    client = harness.client()
    with pytest.raises(RateLimitError) as err:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.clock.sleeps == [1.0, 2.0, 4.0]
    assert harness.fake.count() == 4
    harness.assert_one_each(1)
    rec = harness.store.get_call(err.value.request_id)
    assert rec.outcome == "failure" and rec.retries == 3 and rec.http_status == 429
    assert rec.error_type == "RateLimitError"


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (402, InsufficientBalanceError), (422, UnprocessableEntityError)],
)
def test_client_errors_not_retried_and_message_surfaced(harness, status, cls):
    harness.fake.fail(Fault.error(status, message="Insufficient Balance"))
    with pytest.raises(cls, match="Insufficient Balance") as err:
        harness.client().chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert err.value.status_code == status
    assert err.value.body["error"]["message"] == "Insufficient Balance"
    assert harness.fake.count() == 1 and harness.clock.sleeps == []
    harness.assert_one_each(1)


def test_breaker_opens_fails_fast_then_half_opens_with_one_probe(harness):
    client = harness.client(settings=None)
    client._core.breaker.threshold = 3
    harness.fake.fail_always(500)
    for _ in range(3):
        with pytest.raises(ServerError):
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    sent = harness.fake.count()
    with pytest.raises(CircuitOpenError) as err:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.count() == sent  # failed fast, nothing sent
    harness.assert_one_each(4)
    rec = harness.store.get_call(err.value.request_id)
    assert rec.circuit_open and rec.outcome == "failure" and rec.http_status is None
    harness.clock.advance(29.9)
    with pytest.raises(CircuitOpenError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.clock.advance(0.1)
    harness.fake.fail_always(None)
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)  # the probe
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)  # closed again
    assert harness.fake.count() == sent + 2
    opens = harness.metric_points("sentinel.client.breaker.opens")
    assert sum(p.value for p in opens) == 1


def test_half_open_lets_exactly_one_concurrent_probe_through(harness):
    from sentinel.config import Settings

    client = harness.client(settings=Settings(breaker_threshold=1))
    harness.fake.fail(500)
    with pytest.raises(ServerError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.clock.advance(30)
    harness.fake.set_latency(1.0)  # the probe is still in flight while the others arrive
    outcomes: list[str] = []

    def call():
        try:
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
            outcomes.append("ok")
        except CircuitOpenError:
            outcomes.append("open")

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(outcomes) == ["ok", "open", "open", "open", "open"]
    assert harness.fake.count() == 2  # the 500, then the single probe
    harness.assert_one_each(6)


def test_503_on_primary_fails_over_to_backup(harness, backup):
    harness.fake.fail_always(503)
    client = harness.client(backup_base_urls=[backup.url])
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert resp.content == "Echo: hello"
    assert harness.fake.count() == 1 and backup.count() == 1
    harness.assert_one_each(1)
    rec = harness.store.get_call(resp.request_id)
    assert rec.failovers == 1 and rec.endpoint == f"127.0.0.1:{backup.port}"


def test_dropped_connection_fails_over_in_order(harness, fake_deepseek_factory):
    second = fake_deepseek_factory(api_key=harness.fake.api_key)
    third = fake_deepseek_factory(api_key=harness.fake.api_key)
    harness.fake.fail_always(Fault.drop_connection())
    second.fail_always(503)
    client = harness.client(backup_base_urls=[second.url, third.url])
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert (harness.fake.count(), second.count(), third.count()) == (1, 1, 1)
    harness.assert_one_each(1)
    assert harness.store.get_call(resp.request_id).failovers == 2


def test_all_endpoints_down_without_fallback_raises(harness, backup):
    harness.fake.fail_always(503)
    backup.fail_always(503)
    client = harness.client(backup_base_urls=[backup.url])
    with pytest.raises(ServiceUnavailableError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.assert_one_each(1)


def test_fallback_model_after_backups(harness):
    harness.fake.script(503)
    client = harness.client(fallback="deepseek-v4-pro")
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert resp.model == "deepseek-v4-pro"
    assert harness.fake.requests[-1].json()["model"] == "deepseek-v4-pro"
    harness.assert_one_each(1)
    assert harness.store.get_call(resp.request_id).fallback


def test_fallback_callable_supplies_degraded_answer(harness):
    harness.fake.fail_always(Fault.drop_connection())
    seen = []

    def degraded(request):
        seen.append(request["model"])
        return "We are busy, please retry shortly."

    client = harness.client(fallback=degraded)
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert resp.content == "We are busy, please retry shortly." and seen == ["deepseek-v4-flash"]
    harness.assert_one_each(1)
    rec = harness.store.get_call(resp.request_id)
    assert rec.fallback and rec.outcome == "success"


def test_connection_refused_is_api_connection_error(harness):
    harness.fake.stop()
    client = harness.client()
    with pytest.raises(APIConnectionError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.assert_one_each(1)


def test_read_timeout(harness):
    from sentinel.config import Settings

    harness.fake.set_latency(1.0)
    client = harness.client(settings=Settings(first_byte_timeout="200ms"))
    with pytest.raises(APITimeoutError) as err:
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.assert_one_each(1)
    assert harness.store.get_call(err.value.request_id).error_type == "APITimeoutError"


@pytest.mark.parametrize("make", ["client", "aclient"])
def test_idle_timeout_does_not_cut_a_slow_start(harness, make):
    """A queued or thinking model starts late: that wait is the first-byte timeout's,
    not the idle timeout's (read_timeout), which only runs between reads."""
    import asyncio

    from sentinel.config import Settings

    harness.fake.set_latency(0.5)
    client = getattr(harness, make)(settings=Settings(read_timeout="200ms"))
    call = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    if make == "aclient":

        async def answer() -> object:
            try:
                return await call
            finally:
                await client.aclose()

        resp = asyncio.run(answer())
    else:
        resp = call
    assert resp.content == "Echo: hello"


def test_401_with_static_key_is_not_retried(harness):
    client = harness.client(api_key="sk-wrong-key")
    with pytest.raises(AuthenticationError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.count() == 1
    harness.assert_one_each(1)


def test_401_rereads_key_file_once(harness, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("sk-stale")
    from sentinel.config import Settings

    client = harness.client(api_key=None, settings=Settings(api_key_file=key_file))
    key_file.write_text(harness.fake.api_key)  # rotated after the client started
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert resp.content == "Echo: hello" and harness.fake.count() == 2


def _oauth_settings(fake):
    from pydantic import SecretStr

    from sentinel.config import Settings

    return Settings(
        oauth_token_url=fake.token_url,
        oauth_client_id=fake.oauth_client_id,
        oauth_client_secret=SecretStr(fake.oauth_client_secret),
    )


def test_oauth_token_cached_refreshed_after_revocation(harness):
    client = harness.client(api_key=None, settings=_oauth_settings(harness.fake))
    for _ in range(3):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.tokens_issued == 1
    harness.fake.revoke_tokens()
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.tokens_issued == 2
    harness.fake.revoke_tokens()
    harness.fake.fail(401, endpoint="chat", times=2)
    with pytest.raises(AuthenticationError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.assert_one_each(5)


def test_oauth_token_refreshed_before_expiry(harness):
    harness.fake.token_ttl = 7200
    client = harness.client(api_key=None, settings=_oauth_settings(harness.fake))
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.clock.advance(7200 - 300 - 1)
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.tokens_issued == 1
    harness.clock.advance(1)
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.tokens_issued == 2


def test_oauth_single_refresh_under_thread_concurrency(harness):
    harness.fake.set_latency(0.05, endpoint="token")
    client = harness.client(api_key=None, settings=_oauth_settings(harness.fake))
    errors = []

    def call():
        try:
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
        except Exception as exc:  # pragma: no cover - surfaced by the assert
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == [] and harness.fake.tokens_issued == 1
    harness.assert_one_each(8)


def test_rate_limiter_waits_instead_of_failing(harness):
    client = harness.client(rate_limiter=120)  # 2/s, burst 2
    for _ in range(4):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    # burst of 2, then one slot every 0.5 s (the fake clock moves only while sleeping)
    assert [s for s in harness.clock.sleeps if s > 0] == [0.5, 0.5]
    assert harness.fake.count() == 4


def test_calls_reuse_one_keep_alive_connection(harness):
    client = harness.client()
    for _ in range(5):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    assert harness.fake.count() == 5 and harness.fake.connections_opened == 1


def test_gzip_above_threshold(harness):
    client = harness.client(gzip_min_bytes=200)
    client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    big = [{"role": "user", "content": "x " * 500}]
    client.chat.completions.create(model="deepseek-v4-flash", messages=big)
    encodings = [r.headers.get("content-encoding") for r in harness.fake.requests]
    assert encodings == [None, "gzip"]
    assert harness.fake.requests[1].json()["messages"] == big
