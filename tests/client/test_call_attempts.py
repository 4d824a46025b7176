"""CallRecord.attempts: the attempts followed by another are kept for the explorer's
timeline (status, error, wait, endpoint), and a call whose first attempt is final
keeps none, over real HTTP to FakeDeepSeek."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from http1_servers import MSG

from sentinel.api.timeline import timeline
from sentinel.errors import ServiceUnavailableError
from sentinel.store.explore import CallFilter, explorer_for

EPOCH, FAR = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def test_first_attempt_final_keeps_no_attempts(harness: Any) -> None:
    resp = harness.client().chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.flush()
    record = harness.store.get_call(resp.request_id)
    assert record.attempts is None
    [only] = timeline(record)
    assert (only["attempt"], only["status"], only["then"]) == (1, 200, None)


def test_retry_then_failover_are_on_the_record(harness: Any, backup: Any) -> None:
    harness.fake.script(429, 503)  # a retry on the primary, then it is unavailable
    client = harness.client(backup_base_urls=[backup.url])
    resp = client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.flush()
    record = harness.store.get_call(resp.request_id)
    primary = f"127.0.0.1:{harness.fake.port}"
    assert [(a["endpoint"], a["status"], a["error_type"]) for a in record.attempts] == [
        (primary, 429, "RateLimitError"),
        (primary, 503, "ServiceUnavailableError"),
    ]
    assert record.attempts[0]["wait_ms"] == 1000.0  # the first 429 backoff (1 s)
    assert record.attempts[1]["wait_ms"] == 0.0  # a failover goes on at once
    assert all(a["duration_ms"] > 0 for a in record.attempts)
    steps = timeline(record)
    assert [s["then"] for s in steps] == ["retry", "failover", None]
    assert steps[-1]["endpoint"] == f"127.0.0.1:{backup.port}" and steps[-1]["status"] == 200
    assert (record.retries, record.failovers) == (1, 1)


def test_a_call_that_gives_up_keeps_the_earlier_attempts(harness: Any, backup: Any) -> None:
    harness.fake.fail_always(503)
    backup.fail_always(503)
    client = harness.client(backup_base_urls=[backup.url])
    with pytest.raises(ServiceUnavailableError):
        client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    harness.flush()
    page = explorer_for(harness.store).calls(CallFilter(start=EPOCH, end=FAR), 10, None)
    [record] = page.calls
    assert [a["status"] for a in record.attempts] == [503]  # the backup's 503 is final
    assert record.http_status == 503 and record.endpoint == f"127.0.0.1:{backup.port}"
