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
import re
import secrets
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from sentinel.client.types import ChatCompletion, TextCompletion

NOT_RELAYED = {"request_id"}  # Sentinel's id travels in X-Request-Id, not in the body
MESSAGE_FIELDS = ("content", "reasoning_content", "tool_calls", "function_call")  # a message
TEXT_FIELDS = ("text",)  # a FIM choice's
CHOICE_EXTRAS = ("logprobs",)  # beside either, unmodelled (masked with the text)


# A lone surrogate (half an emoji the app cut off, which the upstream echoes escaped as
# \ud83d) is in a str Sentinel restored or built, and UTF-8 cannot carry it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def model_json(model: BaseModel, **kwargs: Any) -> bytes:
    """`model`'s JSON (pydantic's, `kwargs` as its serializer takes them); with a lone
    surrogate in it, the stdlib's with every non-ASCII character escaped, as the
    upstream wrote it (pydantic's fails on it: the answer would be a 500)."""
    try:
        return model.__pydantic_serializer__.to_json(model, **kwargs)
    except PydanticSerializationError:
        return json.dumps(model.model_dump(mode="json", **kwargs), separators=(",", ":")).encode()


def answer_body(result: ChatCompletion | TextCompletion) -> bytes:
    body = result._body
    if body is None:  # made by Sentinel (a fallback, a cached answer): all of it
        return model_json(result, exclude=NOT_RELAYED)
    try:  # parsed into `result` already: an object, choices a list
        sent = orjson.loads(body)
    except orjson.JSONDecodeError:  # NaN and the like, which pydantic reads
        sent = json.loads(body)
    changes = _changes(sent, result)
    if not changes:
        return body
    # the stdlib's JSON for the patched copy, every number kept as the upstream spelt it
    # (an integer past 64 bits, which orjson floats; 1e400, which a float writes as
    # Infinity, not JSON; 1E5, digits past a double's): each is read as a placeholder
    # string and its text written back in its place
    numbers: list[str] = []
    tag = secrets.token_hex(8)

    def number(text: str) -> str:
        numbers.append(text)
        return f"{tag}:{len(numbers) - 1}"

    sent = json.loads(body, parse_float=number, parse_int=number)
    choices = sent["choices"]
    for n, owner, field, value in changes:
        target = choices[n].get("message") if owner == "message" else choices[n]
        target[field] = value
    out = json.dumps(sent, ensure_ascii=False, separators=(",", ":"))
    if _LONE_SURROGATE.search(out):
        out = json.dumps(sent, separators=(",", ":"))
    out = re.sub(f'"{tag}:(\\d+)"', lambda m: numbers[int(m[1])], out)
    return out.encode()


def _changes(
    sent: dict[str, Any], result: ChatCompletion | TextCompletion
) -> list[tuple[int, str, str, Any]]:
    """(choice, "message" or "choice", field, new value) for every patched field."""
    changes: list[tuple[int, str, str, Any]] = []
    for n, (raw, choice) in enumerate(zip(sent.get("choices", []), result.choices, strict=True)):
        if isinstance(result, ChatCompletion):
            changes += [
                (n, "message", *c)
                for c in _patch(raw.get("message"), choice.message, MESSAGE_FIELDS)
            ]
        else:
            changes += [(n, "choice", *c) for c in _patch(raw, choice, TEXT_FIELDS)]
        changes += [(n, "choice", *c) for c in _patch(raw, choice, CHOICE_EXTRAS)]
    return changes


def _patch(raw: Any, model: Any, fields: tuple[str, ...]) -> list[tuple[str, Any]]:
    """Each of `fields` whose value in `model` differs from the one in `raw` (the sent
    JSON object), with that value. A field the upstream did not send and Sentinel left
    unset (None) stays absent."""
    if not isinstance(raw, dict):
        return []
    changed: list[tuple[str, Any]] = []
    for field in fields:
        value = getattr(model, field, None)
        if field in raw:
            if raw[field] == value:
                continue
        elif value is None:
            continue
        changed.append((field, value))
    return changed
