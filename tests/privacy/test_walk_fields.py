"""The walker's field rules that outbound redaction relies on (it masks what the job
would anonymize): a tool message's `name` and a legacy `function_call`'s name are code,
and tool JSON that nothing in it changed is sent and stored as the application wrote it."""

from __future__ import annotations

import json

from sentinel.privacy.walk import transform

SPACED = '{ "city" :  "Paris",\n  "days": 3 }'  # an application's own spelling


def test_only_participants_names_are_names_and_function_names_are_kept() -> None:
    doc = [
        {"role": "user", "name": "mary_j", "content": "hi"},
        {"role": "assistant", "content": None,
         "function_call": {"name": "lookup_customer", "arguments": SPACED}},
        {"role": "tool", "name": "lookup_customer", "tool_call_id": "c1", "content": "ok"},
    ]  # fmt: skip
    texts: list[str] = []
    names: list[str] = []
    out = transform(doc, lambda t: texts.append(t) or t.upper(), lambda n: names.append(n) or "N")
    assert names == ["mary_j"]
    assert out[0]["name"] == "N"
    assert out[1]["function_call"]["name"] == "lookup_customer"
    assert "lookup_customer" in texts  # a tool message's name is read as text, not a person
    assert out[2]["name"] == "LOOKUP_CUSTOMER"


def test_tool_json_is_kept_as_written_unless_something_in_it_changed() -> None:
    doc = [{"role": "tool", "tool_call_id": "c1", "content": SPACED}]
    assert transform(doc, lambda t: t, lambda n: n)[0]["content"] == SPACED
    changed = transform(doc, lambda t: "X" if t == "Paris" else t, lambda n: n)[0]["content"]
    assert json.loads(changed) == {"city": "X", "days": 3}
