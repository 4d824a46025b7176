"""The subject-id round trip on the real Elasticsearch: ids with spaces, CJK, slashes
and 256 characters stored by the real client are exported and erased, and an export
afterwards is empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel import Sentinel
from sentinel.compliance.export import iter_subject_records
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.testing import FakeDeepSeek

pytestmark = pytest.mark.elasticsearch
IDS = ["张三", "user 42", "Alice Smith", "tenant/42", "ｆｕｌｌ-width", "a.b+c@example.com",
       "李" * 256]  # fmt: skip


def _held(compliance: Compliance, store: Any, subject: str) -> list[str]:
    store.refresh()
    key = compliance.subject_key(subject)
    return sorted(kind for _, kind, _ in iter_subject_records(store, None, subject, key))


def test_round_trip_on_elasticsearch(es_store_factory: Callable[..., Any], tmp_path: Path) -> None:
    store = es_store_factory()
    compliance = Compliance.build(store, Settings(), exports_dir=tmp_path / "exports")
    with FakeDeepSeek() as fake, Sentinel(
        base_url=fake.url, api_key=fake.api_key, store=store,
        settings=Settings(spool_dir=tmp_path / "spool"),
    ) as client:  # fmt: skip
        for subject in [*IDS, "bystander"]:
            client.chat.completions.create(
                model="deepseek-v4-flash", messages=[{"role": "user", "content": "hi"}],
                subject_id=subject,
            )  # fmt: skip
        client.flush()
    for subject in IDS:
        assert _held(compliance, store, subject) == ["call", "conversation"], subject
        job = compliance.erasures.request(subject, compliance.subject_key(subject), "t", None)
        result = compliance.erasures.run(job["id"])
        assert result is not None and result["status"] == "completed"
        assert result["removed"]["elasticsearch"] == 2
        assert _held(compliance, store, subject) == []
    assert _held(compliance, store, "bystander") == ["call", "conversation"]
