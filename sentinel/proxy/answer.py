"""A non-streamed answer's body for the app: the upstream's bytes as received when
Sentinel changed nothing in it (keys, spelling, nulls and unmodelled fields as sent),
else those bytes' JSON with only the changed values replaced.

The typed completion is what Sentinel screens and restores, but re-serialising it
adds every unset field as null (`reasoning_content`, `tool_calls`) and writes
validated values (a null count as 0), so an app behind the proxy would get another
document than the upstream sent, changed or not. What Sentinel may change is a few
fields per choice (a mask, restored placeholders): those are compared with the sent
ones and patched in; everything else keeps the upstream's value and key order (a
streamed chunk is likewise relayed byte for byte: sentinel.client.types._Streamed).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from sentinel.client.types import ChatCompletion, TextCompletion

NOT_RELAYED = {"request_id"}  # Sentinel's id travels in X-Request-Id, not in the body
MESSAGE_FIELDS = ("content", "reasoning_content", "tool_calls")  # a chat choice's message
TEXT_FIELDS = ("text",)  # a FIM choice's
CHOICE_EXTRAS = ("logprobs",)  # beside either, unmodelled (masked with the text)


def answer_body(result: ChatCompletion | TextCompletion) -> bytes:
    body = result._body
    if body is None:  # made by Sentinel (a fallback, a cached answer): all of it
        return result.__pydantic_serializer__.to_json(result, exclude=NOT_RELAYED)
    try:  # parsed into `result` already: an object, choices a list
        sent = orjson.loads(body)
    except orjson.JSONDecodeError:  # NaN and the like, which pydantic reads
        sent = json.loads(body)
    if not _patch_choices(sent, result):
        return body
    # the stdlib's JSON for the patched copy: orjson reads an integer past 64 bits as a
    # float, and writes no NaN
    sent = json.loads(body)
    _patch_choices(sent, result)
    return json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode()


def _patch_choices(sent: dict[str, Any], result: ChatCompletion | TextCompletion) -> bool:
    changed = False
    for raw, choice in zip(sent.get("choices", []), result.choices, strict=True):
        if isinstance(result, ChatCompletion):
            changed |= _patch(raw.get("message"), choice.message, MESSAGE_FIELDS)
        else:
            changed |= _patch(raw, choice, TEXT_FIELDS)
        changed |= _patch(raw, choice, CHOICE_EXTRAS)
    return changed


def _patch(raw: Any, model: Any, fields: tuple[str, ...]) -> bool:
    """Write into `raw` (the sent JSON object) each of `fields` whose value in `model`
    differs from it; True if any did. A field the upstream did not send and Sentinel
    left unset (None) stays absent."""
    if not isinstance(raw, dict):
        return False
    changed = False
    for field in fields:
        value = getattr(model, field, None)
        if field in raw:
            if raw[field] == value:
                continue
        elif value is None:
            continue
        raw[field] = value
        changed = True
    return changed
