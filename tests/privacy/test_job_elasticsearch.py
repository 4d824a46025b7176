"""The anonymization job against the real Elasticsearch, on indices of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import Conversation, subject_key_for
from sentinel.privacy.job import run_once
from sentinel.privacy.redactor import Redactor

pytestmark = pytest.mark.elasticsearch

NOW = datetime(2001, 1, 1, tzinfo=UTC)
SUBJECT = "es-privacy-test-subject"


def test_deadline_ages_on_elasticsearch(
    es_store_factory: Callable[..., Any], redactor: Redactor
) -> None:
    settings = Settings(anonymize_within="72h", anonymize_interval="5m")
    store = es_store_factory()
    key = subject_key_for(SUBJECT, b"k")
    ages = {"h10": 10, "h70": 70, "h71_5": 71.5, "h80": 80}
    convs = {
        rid: Conversation(
            request_id=f"privacy-es-{rid}",
            timestamp=NOW - timedelta(hours=age),
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": "I'm Mary Johnson, mary@example.com"}],
            completion="Hello Mary Johnson",
            subject_id=SUBJECT,
            subject_key=key,
        )
        for rid, age in ages.items()
    }
    store.write_records(list(convs.values()))
    store.refresh()
    report = run_once(store, settings, FakeClock(NOW), redactor, batch_size=1)
    assert report.anonymized == 2
    done = store.get_conversation("privacy-es-h80")
    assert done.anonymized_at == NOW and done.subject_id is None
    assert done.subject_key == key
    assert done.completion == "Hello <PERSON_1>"
    assert done.pii_summary == {"PERSON": 2, "EMAIL_ADDRESS": 1}
    assert store.get_conversation("privacy-es-h71_5").anonymized_at == NOW
    for rid in ("h10", "h70"):
        assert store.get_conversation(f"privacy-es-{rid}") == convs[rid]
    again = run_once(store, settings, FakeClock(NOW), redactor)
    assert again.anonymized == 0
