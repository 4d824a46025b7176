"""Every text a stored conversation holds is anonymized: the walker visits every string
of the stored document except the short list of identifier keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import Conversation, subject_key_for
from sentinel.privacy.job import run_once
from sentinel.privacy.redactor import Redactor
from sentinel.privacy.walk import KEPT_KEYS, transform
from sentinel.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PII = {
    "content": "I'm Mary Johnson, mary@example.com",
    "part": "我是张伟，手机13800138000",
    "name": "mary_j",
    "reasoning": "The user Peter Parker lives at 221B Baker Street, London.",
    "arg_email": "peter.parker@example.com",
    "arg_nested": "call Peter Parker on +1 212 555 0147",
    "arg_id": "jane.doe@example.org",
    "bad_args": "not json: contact jane.doe@example.org",
    "tool_result": '{"owner": "Jane Doe", "email": "jane.doe@example.org"}',
    "assistant": "Sure Mary Johnson, I will mail mary@example.com.",
    "completion": "Thanks Mary Johnson, we will write to mary@example.com.",
    "future": "a field added later, holding bob@example.net",
}
RAW_VALUES = [
    "Mary",
    "mary@example.com",
    "张伟",
    "13800138000",
    "mary_j",
    "Peter Parker",
    "peter.parker@example.com",
    "212 555 0147",
    "jane.doe@example.org",
    "Jane Doe",
    "bob@example.net",
    "Baker Street",
]


def stored_document() -> dict[str, Any]:
    """A conversation as stored: DeepSeek thinking mode with a tool-call turn."""
    return {
        "request_id": "r-walk",
        "timestamp": (NOW - timedelta(hours=80)).isoformat(),
        "model": "deepseek-v4-flash",
        "messages": [
            {"role": "user", "name": PII["name"], "content": PII["content"]},
            {"role": "user", "content": [{"type": "text", "text": PII["part"]}]},
            {
                "role": "assistant",
                "content": PII["assistant"],
                "reasoning_content": PII["reasoning"],
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "lookup_customer",
                            "arguments": json.dumps(
                                {
                                    "email": PII["arg_email"],
                                    "notes": [PII["arg_nested"], 3, None],
                                    "id": PII["arg_id"],
                                }
                            ),
                        },
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "notify", "arguments": PII["bad_args"]},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": PII["tool_result"]},
            {"role": "user", "future_field": {"deep": [PII["future"]]}},
        ],
        "completion": PII["completion"],
        "subject_id": "user 42",
        "subject_key": subject_key_for("user 42", b"k"),
    }


def _string_leaves(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, list):
        return [leaf for item in node for leaf in _string_leaves(item, path)]
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _string_leaves(v, (*path, k))]
    return []


def _json(value: str) -> Any:
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def test_no_string_of_the_document_is_left_unvisited() -> None:
    doc = stored_document()
    visited: list[str] = []
    names: list[str] = []
    transform(doc, lambda t: visited.append(t) or t, lambda n: names.append(n) or n)
    checked = 0
    for path, value in _string_leaves(doc):
        if path[-1] in KEPT_KEYS or path[-2:] == ("function", "name"):
            assert value not in visited, path  # ids, roles, tool names: not text
            continue
        inner = _json(value) if path[-1] in ("arguments", "content") else None
        if inner is not None:  # tool-call arguments and tool results: every value inside
            for _, nested in _string_leaves(inner):
                assert nested in visited, path
                checked += 1
            continue
        assert value in visited or value in names, path
        checked += 1
    assert checked == len(PII) + 1  # the tool result holds two texts
    assert names == [PII["name"]]
    assert "lookup_customer" not in visited and "call_1" not in visited


def test_the_job_leaves_no_pii_in_any_field(sqlite_store: SQLiteStore, redactor: Redactor) -> None:
    conv = Conversation.model_validate(stored_document())
    sqlite_store.write_records([conv])
    report = run_once(sqlite_store, Settings(), FakeClock(NOW), redactor)
    assert report.anonymized == 1
    done = sqlite_store.get_conversation("r-walk")
    assert done is not None and done.anonymized_at == NOW and done.subject_id is None
    dumped = done.model_dump_json()
    for raw in RAW_VALUES:
        assert raw not in dumped, raw
    assistant = done.messages[2]
    calls = assistant["tool_calls"]
    args = json.loads(calls[0]["function"]["arguments"])
    assert set(args) == {"email", "notes", "id"}  # keys kept
    assert args["email"].startswith("<EMAIL_ADDRESS_") and args["notes"][1:] == [3, None]
    assert calls[0]["function"]["name"] == "lookup_customer" and calls[0]["id"] == "call_1"
    assert "<EMAIL_ADDRESS_" in calls[1]["function"]["arguments"]  # unparsable: as text
    assert "<PERSON_" in assistant["reasoning_content"]
    assert done.messages[3]["tool_call_id"] == "call_1"
    assert done.messages[0]["role"] == "user" and done.messages[0]["name"].startswith("<PERSON_")
    # same value, same placeholder everywhere in the conversation
    mary = done.messages[0]["content"].split("I'm ")[1].split(",")[0]
    assert mary in done.completion and mary in assistant["content"]


def test_junk_and_numbers_in_tool_json_are_anonymized_not_masked(
    sqlite_store: SQLiteStore, redactor: Redactor
) -> None:
    """JSON nested 900 deep parses but used to exhaust the walker's stack (the whole
    conversation failed, then was masked); a phone number written as a JSON integer was
    never visited at all."""
    deep = "[" * 900 + json.dumps("mail jane.doe@example.org") + "]" * 900
    doc = stored_document()
    doc["messages"] = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "f", "arguments": json.dumps({"tel": 13800138000})},
                },
                {"id": "c2", "type": "function", "function": {"name": "g", "arguments": deep}},
            ],
        },
        {"role": "tool", "tool_call_id": "c2", "content": deep},
    ]
    sqlite_store.write_records([Conversation.model_validate(doc)])
    report = run_once(sqlite_store, Settings(), FakeClock(NOW), redactor)
    assert (report.anonymized, report.failed, report.masked) == (1, 0, 0)
    done = sqlite_store.get_conversation("r-walk")
    assert done is not None and "MASKED" not in done.pii_summary
    dumped = done.model_dump_json()
    assert "13800138000" not in dumped and "jane.doe@example.org" not in dumped
    calls = done.messages[1]["tool_calls"]
    assert set(json.loads(calls[0]["function"]["arguments"])) == {"tel"}
    assert "<EMAIL_ADDRESS_" in calls[1]["function"]["arguments"]
