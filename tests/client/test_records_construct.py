"""The records a call produces are built without pydantic's model_construct (see
sentinel.client.record_builder): they must be the very models model_construct would build,
with every field set, and survive the JSON round trip the stores make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sentinel.client.record_builder import call_record, conversation, feedback_record
from sentinel.models import CallRecord, Conversation, Feedback

MSG = [{"role": "user", "content": "hello"}]


def _same_as_model_construct(record: Any) -> None:
    cls = type(record)
    assert set(record.__dict__) == set(cls.model_fields)  # every field passed, no extra
    assert record.model_fields_set == set(cls.model_fields)
    rebuilt = cls.model_construct(**record.__dict__)
    assert record == rebuilt
    assert record.model_dump_json() == rebuilt.model_dump_json()
    assert cls.model_validate_json(record.model_dump_json()) == cls.model_validate(
        record.model_dump()
    )


@pytest.mark.parametrize("fail", [False, True])
def test_call_and_conversation_records_are_complete_models(harness: Any, fail: bool) -> None:
    captured: list[Any] = []
    client = harness.client()
    reporter = client._core.reporter
    original = reporter.report

    def spy(obs: Any) -> None:
        captured.append((call_record(obs, "app-x"), conversation(obs, "app-x")))
        original(obs)

    reporter.report = spy
    if fail:
        harness.fake.fail(400)
        with pytest.raises(Exception):  # noqa: B017  (which error is tested elsewhere)
            client.chat.completions.create(model="deepseek-v4-flash", messages=MSG)
    else:
        client.chat.completions.create(
            model="deepseek-v4-flash", messages=MSG, subject_id="u-1", metadata={"team": "a"}
        )
    [(call, conv)] = captured
    assert isinstance(call, CallRecord) and isinstance(conv, Conversation)
    assert call.outcome == ("failure" if fail else "success")
    _same_as_model_construct(call)
    _same_as_model_construct(conv)


def test_feedback_record_is_a_complete_model() -> None:
    record = feedback_record(
        "r1", timestamp=datetime.now(UTC), app="a", model="m", subject_key=None,
        score=0.5, satisfied=True, comment=None,
    )  # fmt: skip
    assert isinstance(record, Feedback)
    _same_as_model_construct(record)
