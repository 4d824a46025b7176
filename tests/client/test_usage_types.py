"""The answer types validate well-formed usage natively and hand anything else to the
lenient Python rule (`sentinel.client.types._count`): for every kind of value a shim
upstream might send, the result is exactly what the rule alone gives, from JSON and
from Python objects alike."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sentinel.client.types import ChatCompletion, ChatCompletionChunk, Usage, _count

VALUES: list[Any] = [
    0, 1, 9, 2**63 - 1, 2**63, 2**64, -1, -(2**63), 1.0, 5.0, 1.5, -2.0, 1e30, "7", " 8 ",
    "-3", "1.5", "x", "", True, False, None, [], {}, [1], {"a": 1},
]  # fmt: skip
COUNTS = ("prompt_cache_hit_tokens", "prompt_cache_miss_tokens")
TOTALS = ("prompt_tokens", "completion_tokens", "total_tokens")


def expected(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {name: _count(value) for name in COUNTS}
    out.update({name: _count(value) or 0 for name in TOTALS})
    return out


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_count_is_what_the_lenient_rule_makes_of_it(value: Any) -> None:
    fields = dict.fromkeys(COUNTS + TOTALS, value)
    from_python = Usage.model_validate(fields)
    got = from_python.model_dump(include=set(fields))
    assert got == expected(value)
    if value == value and not (isinstance(value, float) and abs(value) > 2**64):
        from_json = Usage.model_validate_json(json.dumps(fields))
        assert from_json.model_dump(include=set(fields)) == got


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_reasoning_tokens_follow_the_same_rule(value: Any) -> None:
    usage = Usage.model_validate({"completion_tokens_details": {"reasoning_tokens": value}})
    assert usage.reasoning_tokens == _count(value)


@pytest.mark.parametrize("usage", [None, 5, "x", [], [1, 2], True], ids=repr)
def test_usage_or_its_details_that_are_not_mappings_are_unknown(usage: Any) -> None:
    for model in (ChatCompletion, ChatCompletionChunk):
        assert model.model_validate_json(json.dumps({"usage": usage})).usage is None
    details = Usage.model_validate({"prompt_tokens": 3, "completion_tokens_details": usage})
    assert details.completion_tokens_details is None and details.prompt_tokens == 3


def test_a_usage_model_instance_is_kept() -> None:
    usage = Usage(prompt_tokens=4, completion_tokens=2, total_tokens=6)
    assert ChatCompletion(usage=usage).usage == usage
