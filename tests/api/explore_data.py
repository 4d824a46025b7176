"""Calls and conversations the explorer tests read (a plain module, imported by name):
60 calls over the last two hours, every ninth failed; the failed call an hour ago was
retried once on a 429 and failed over after a 503; one conversation anonymized (with
placeholders), one still raw and holding markup that must stay text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sentinel.models import CallRecord, Conversation
from sentinel.store.base import Store

NOW = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
FAILED = "f41" + "0" * 29  # the failed call from an hour ago
CONVERSATION = "conv-checkout-7"
RAW_SUBJECT = "raw-subject-id-3b9"
MARKUP = '<img src=x onerror="document.body.dataset.pwned=1">'
PRIMARY, BACKUP = "api.deepseek.com:443", "backup.example:443"


def seed(store: Store) -> list[CallRecord]:
    calls = []
    for i in range(60):
        fail = i % 9 == 4
        calls.append(
            CallRecord(
                request_id=f"{i:032x}",
                timestamp=NOW - timedelta(minutes=2 * i),
                app="shop" if i % 2 else "support",
                model="deepseek-v4-pro" if i % 3 == 0 else "deepseek-v4-flash",
                outcome="failure" if fail else "success",
                http_status=500 if fail else 200,
                error_type="ServerError" if fail else None,
                duration_ms=100.0 + (i * 53) % 700,
                input_tokens=200 + i,
                output_tokens=40 + i,
                total_tokens=240 + 2 * i,
                cache_hit_tokens=i,
                cache_miss_tokens=200,
                reasoning_tokens=i % 4,
                cost=0.0001 * (i + 1),
                cost_currency="USD",
                endpoint=PRIMARY,
                conversation_id=CONVERSATION if i in (1, 3) else None,
            )
        )
    calls.append(
        CallRecord(
            request_id=FAILED,
            timestamp=NOW - timedelta(minutes=61),
            app="shop",
            model="deepseek-v4-flash",
            outcome="failure",
            http_status=503,
            error_type="ServiceUnavailableError",
            duration_ms=2450.0,
            retries=1,
            failovers=1,
            rate_limited=True,
            endpoint=BACKUP,
            trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
            input_tokens=None,
            subject_key="k" * 64,
            attempts=[
                {
                    "endpoint": PRIMARY,
                    "status": 429,
                    "error_type": "RateLimitError",
                    "duration_ms": 120.0,
                    "wait_ms": 1000.0,
                },
                {
                    "endpoint": PRIMARY,
                    "status": 503,
                    "error_type": "ServiceUnavailableError",
                    "duration_ms": 300.0,
                    "wait_ms": 0.0,
                },
            ],
        )
    )
    conversations = [
        Conversation(
            request_id=f"{1:032x}", timestamp=NOW - timedelta(minutes=2), model="deepseek-v4-flash",
            conversation_id=CONVERSATION, subject_key="k" * 64, anonymized_at=NOW,
            messages=[{"role": "user", "content": "I am <PERSON_1>, mail me at <EMAIL_ADDRESS_1>"}],
            completion="Thanks <PERSON_1>, done.", pii_summary={"PERSON": 1, "EMAIL_ADDRESS": 1},
        ),
        Conversation(
            request_id=f"{3:032x}", timestamp=NOW - timedelta(minutes=6), model="deepseek-v4-flash",
            conversation_id=CONVERSATION, subject_id=RAW_SUBJECT, subject_key="k" * 64,
            messages=[{"role": "user", "content": f"render this {MARKUP}"}], completion="no",
        ),
    ]  # fmt: skip
    store.write_records([*calls, *conversations])
    store.refresh()
    return calls
