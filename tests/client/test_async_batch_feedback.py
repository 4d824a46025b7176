"""AsyncSentinel, batch and feedback, over loopback."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sentinel.errors import BadRequestError, InvalidRequestError, RateLimitError
from sentinel.testing import Fault

MSG = [{"role": "user", "content": "hello"}]


async def test_async_concurrent_calls_each_reported_once(harness):
    client = harness.aclient()
    results = await asyncio.gather(
        *(
            client.chat.completions.create(
                model="deepseek-v4-flash", messages=[{"role": "user", "content": f"n{i}"}]
            )
            for i in range(32)
        )
    )
    assert [r.content for r in results] == [f"Echo: n{i}" for i in range(32)]
    await client.aclose()
    harness.assert_one_each(32)


async def test_async_retry_and_failover_match_sync(harness, backup):
    harness.fake.script(429, 503)
    client = harness.aclient(backup_base_urls=[backup.url])
    resp = await client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    await client.aclose()
    assert harness.clock.sleeps == [1.0]
    rec = harness.store.get_call(resp.request_id)
    assert (rec.retries, rec.failovers, rec.rate_limited) == (1, 1, True)
    harness.assert_one_each(1)


async def test_async_oauth_single_refresh_under_concurrency(harness):
    from pydantic import SecretStr

    from sentinel.config import Settings

    fake = harness.fake
    fake.set_latency(0.05, endpoint="token")
    settings = Settings(
        oauth_token_url=fake.token_url,
        oauth_client_id=fake.oauth_client_id,
        oauth_client_secret=SecretStr(fake.oauth_client_secret),
    )
    client = harness.aclient(api_key=None, settings=settings)
    await asyncio.gather(
        *(
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
            for _ in range(10)
        )
    )
    await client.aclose()
    assert fake.tokens_issued == 1


def test_async_oauth_refreshes_under_concurrency_in_each_event_loop(harness):
    """The OAuth state outlives event loops (asyncio.run twice, or a loop per thread):
    concurrent callers in the second loop wait for its one refresh like in the first.
    Each loop has its own HTTP pool: httpx connections belong to the loop that opened
    them."""
    from pydantic import SecretStr

    from sentinel.client.auth import OAuth2ClientCredentials
    from sentinel.client.secrets import SecretSource

    fake = harness.fake
    fake.set_latency(0.05, endpoint="token")  # the others queue behind the refresh
    secret = SecretSource("client secret", SecretStr(fake.oauth_client_secret))
    auth = OAuth2ClientCredentials(fake.token_url, fake.oauth_client_id, secret, harness.clock)

    async def burst() -> set[str]:
        async with httpx.AsyncClient() as http:
            return set(await asyncio.gather(*(auth.atoken(http) for _ in range(5))))

    [first] = asyncio.run(burst())
    harness.clock.advance(7200)  # the token is due for refresh
    [second] = asyncio.run(burst())
    assert first != second and fake.tokens_issued == 2 == auth.refreshes


def test_batch_keeps_order_and_isolates_failures(harness):
    harness.fake.script(200, Fault.error(400, message="bad prompt"), 200)
    client = harness.client()
    requests = [
        {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": f"q{i}"}]}
        for i in range(3)
    ]
    requests.append({"model": "deepseek-v4-flash", "messages": []})  # invalid locally
    results = client.chat.completions.batch(requests, concurrency=1)
    assert results[0].content == "Echo: q0"
    assert isinstance(results[1], BadRequestError) and "bad prompt" in str(results[1])
    assert results[2].content == "Echo: q2"
    assert isinstance(results[3], InvalidRequestError)
    harness.assert_one_each(3)  # the invalid item was never sent nor recorded


def test_batch_bounded_concurrency_returns_in_order(harness):
    harness.fake.set_latency(0.02)
    client = harness.client()
    requests = [
        {"model": "deepseek-v4-flash", "messages": [{"role": "user", "content": f"q{i}"}]}
        for i in range(12)
    ]
    results = client.chat.completions.batch(requests, concurrency=4)
    assert [r.content for r in results] == [f"Echo: q{i}" for i in range(12)]
    harness.assert_one_each(12)


async def test_async_batch(harness):
    harness.fake.fail_always(429)
    client = harness.aclient(max_retries=0)
    results = await client.chat.completions.batch(
        [{"model": "deepseek-v4-flash", "messages": MSG}] * 3, concurrency=2
    )
    await client.aclose()
    assert all(isinstance(r, RateLimitError) for r in results)
    harness.assert_one_each(3)


def test_feedback_is_stored_with_the_calls_labels(harness):
    client = harness.client(app="support-bot")
    resp = client.chat.completions.create(
        model="deepseek-v4-flash", messages=MSG, subject_id="user-42"
    )
    client.feedback(resp.request_id, score=0.9, satisfied=True, comment="great")
    client.flush()
    harness.store.refresh()
    assert harness.store.count("feedback") == 1
    docs = list(
        harness.store.iter_subject(
            None, harness.store.get_call(resp.request_id).subject_key, ["feedback"]
        )
    )
    assert docs[0]["score"] == 0.9 and docs[0]["satisfied"] is True
    assert docs[0]["model"] == "deepseek-v4-flash" and docs[0]["app"] == "support-bot"
    client.feedback(resp.request_id, score=0.5, satisfied=False)
    scores = harness.metric_points("sentinel.client.feedback.score")
    by_satisfied = {p.attributes["sentinel.satisfied"]: (p.count, p.sum) for p in scores}
    assert by_satisfied == {True: (1, 0.9), False: (1, 0.5)}
    assert {p.attributes["gen_ai.request.model"] for p in scores} == {"deepseek-v4-flash"}
    counts = harness.metric_points("sentinel.client.feedback")
    assert {p.attributes["sentinel.satisfied"]: p.value for p in counts} == {True: 1, False: 1}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"score": 1.5}, "score must be a number between 0 and 1"),
        ({}, "at least one of"),
        ({"satisfied": "yes"}, "satisfied must be True or False"),
    ],
)
def test_feedback_validation(harness, kwargs, match):
    client = harness.client()
    with pytest.raises(InvalidRequestError, match=match):
        client.feedback("req-1", **kwargs)


async def test_one_rate_limiter_paces_sync_and_async_clients_together(harness):
    from sentinel.client.resilience import TokenBucket

    bucket = TokenBucket(120, harness.clock, burst=2)  # 2/s shared by both clients
    sync, aio = harness.client(rate_limiter=bucket), harness.aclient(rate_limiter=bucket)
    sync.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    await aio.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    await aio.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    sync.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    await aio.aclose()
    assert [s for s in harness.clock.sleeps if s > 0] == [0.5, 0.5]  # waited, never failed
    assert harness.fake.count() == 4


@pytest.mark.parametrize(("preset", "per_minute"), [("tier-100", 100), ("tier-500", 500)])
def test_rate_limit_presets(harness, preset, per_minute):
    assert harness.client(rate_limiter=preset)._core.limiter.rate == per_minute / 60


async def test_batch_items_that_cannot_run_fail_alone(harness):
    requests = [
        {"model": "deepseek-v4-flash", "messages": MSG, "stream": True},
        "not a request",
        {"model": "deepseek-v4-flash", "messages": MSG},
    ]
    sync_results = harness.client().chat.completions.batch(requests, concurrency=2)
    client = harness.aclient()
    async_results = await client.chat.completions.batch(requests, concurrency=2)
    await client.aclose()
    for results in (sync_results, async_results):
        assert "cannot stream" in str(results[0]) and "must be dicts" in str(results[1])
        assert isinstance(results[0], InvalidRequestError) and results[2].content == "Echo: hello"
    harness.assert_one_each(2)
    for bad in (0, 1.5, True):
        with pytest.raises(InvalidRequestError, match="concurrency must be an integer"):
            harness.client().chat.completions.batch(requests, concurrency=bad)
