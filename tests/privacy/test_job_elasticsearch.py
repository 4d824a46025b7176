"""The anonymization job against the real Elasticsearch (`es_url`).

The index is shared with other suites, so every conversation here is stamped in the
year 2000 and the job runs on a FakeClock of 2001-01-01: its cutoff then selects only
these records, whatever else the index holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.privacy.job import run_once
from sentinel.privacy.redactor import Redactor
from sentinel.records.models import Conversation, subject_key_for
from sentinel.store import open_store

pytestmark = pytest.mark.elasticsearch

NOW = datetime(2001, 1, 1, tzinfo=UTC)
SUBJECT = "es-privacy-test-subject"


def test_deadline_ages_on_elasticsearch(es_url: str, redactor: Redactor) -> None:
    pytest.importorskip("sentinel.store.elastic", reason="ElasticStore not written yet")
    settings = Settings(anonymize_within="72h", anonymize_interval="5m")
    store = open_store(es_url, settings)
    key = subject_key_for(SUBJECT, b"k")
    ages = {"h10": 10, "h70": 70, "h71_5": 71.5, "h80": 80}
    convs = {
        rid: Conversation(
            request_id=f"privacy-es-{rid}",
            timestamp=NOW - timedelta(hours=age),
            model="deepseek-chat",
            messages=[{"role": "user", "content": "I'm Mary Johnson, mary@example.com"}],
            completion="Hello Mary Johnson",
            subject_id=SUBJECT,
            subject_key=key,
        )
        for rid, age in ages.items()
    }
    try:
        store.delete_subject(SUBJECT, key)
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
    finally:
        store.delete_subject(SUBJECT, key)
        store.close()
