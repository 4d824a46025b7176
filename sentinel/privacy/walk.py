"""Every text a stored conversation holds, found by walking the document, not by a list
of fields.

Anonymization used to read message `content` and `name` only, so tool-call arguments,
tool results, `reasoning_content` and any field added later survived it. The walker
visits every string value of the stored document instead; what it leaves alone is a
short explicit list of keys that hold identifiers, enums and times, never free text.
A field added to the stored conversation (DeepSeek's next message field) is therefore
anonymized without a change here.

Inside the document:
* a message's `name` is a participant's name, replaced like a PERSON (a `tool`
  message's `name` is the function's, read as text);
* a `function`'s (or legacy `function_call`'s) `name` is the tool's name (code, not
  personal data), kept;
* tool-call `arguments` (JSON as the model wrote it) and tool results (a `tool`
  message's `content`, usually JSON too) are parsed, every string value visited, keys
  kept, and written back; text that does not parse is visited as text, a bare JSON
  string as the text it holds (its escapes decoded). Inside them every string value
  is visited, whatever its key: they are the application's data, where an `id` may
  be an e-mail address. (Each value is then a text of its own, which the analyzer
  reads better than JSON punctuation around a name.) Integers there (and floats
  holding one) are visited as their digits too (a phone or ID number written as a
  JSON number), and become the placeholder string only when redacted. JSON with
  nothing replaced is kept as written (its spacing and key order are the
  application's), unless a key is written twice (the first value is in the text
  only, never visited). JSON nested deeper than MAX_JSON_DEPTH is visited as text:
  walking it would exhaust the stack, and the conversation would fail and be fully
  masked instead of anonymized.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

# Keys of the stored document whose values are not free text.
KEPT_KEYS = frozenset(
    {
        "kind",
        "request_id",
        "timestamp",
        "app",
        "model",
        "subject_id",  # dropped by the job itself
        "subject_key",
        "anonymized_at",
        "pii_summary",
        "role",
        "id",
        "tool_call_id",
        "type",
        "finish_reason",
        "index",
        "created",
        "object",
    }
)

TextFn = Callable[[str], str]

_FUNCTION_KEYS = frozenset({"function", "function_call"})  # whose `name` is code

# No tool argument an application writes nests this deep; deeper is junk, read as text.
MAX_JSON_DEPTH = 100


def transform(doc: Any, text: TextFn, name: TextFn) -> Any:
    """A copy of `doc` with every free-text string passed through `text` and every
    participant name through `name`, in a fixed order (so a first pass can collect the
    texts and a second replace them)."""
    return _walk(doc, text, name, parent=None, payload=False)


def _walk(node: Any, text: TextFn, name: TextFn, parent: str | None, payload: bool) -> Any:
    if isinstance(node, str):
        return text(node)
    if payload and _whole(node):
        digits = str(int(node))
        redacted = text(digits)
        return node if redacted == digits else redacted
    if isinstance(node, list | tuple):  # a request's messages or parts may be tuples
        return [_walk(item, text, name, parent, payload) for item in node]
    if not isinstance(node, Mapping):  # or any Mapping: the client accepts them
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if payload:
            out[key] = _walk(value, text, name, key, payload)
        elif key in KEPT_KEYS:
            out[key] = value
        elif key == "name" and isinstance(value, str) and "role" in node:
            out[key] = name(value) if node["role"] != "tool" else text(value)
        elif key == "name" and isinstance(value, str) and parent in _FUNCTION_KEYS:
            out[key] = value
        elif isinstance(value, str) and (
            key == "arguments" or (key == "content" and node.get("role") == "tool")
        ):
            out[key] = _json_text(value, text, name)
        else:
            out[key] = _walk(value, text, name, key, payload)
    return out


def _whole(node: Any) -> bool:
    """An integer, or a float holding one (pandas writes a phone column with a gap as
    6195825697.0): its digits are what a person wrote."""
    if isinstance(node, bool):
        return False
    return isinstance(node, int) or (isinstance(node, float) and node.is_integer())


def _json_text(raw: str, text: TextFn, name: TextFn) -> str:
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        obj = dict(items)
        repeated = repeated or len(obj) < len(items)
        return obj

    try:
        parsed = json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to walk
        return text(raw)
    if isinstance(parsed, str):  # one JSON string: its text, escapes read (\u0040 is an @)
        visited = text(parsed)
        return raw if visited == parsed else json.dumps(visited, ensure_ascii=False)
    if not isinstance(parsed, dict | list) or _deeper_than(parsed, MAX_JSON_DEPTH):
        return text(raw)  # a bare JSON number, or junk: the text as written
    walked = _walk(parsed, text, name, None, payload=True)
    # a key written twice: the parse kept the last value, the raw text still holds the
    # first one, never visited, so it is not kept as written
    return raw if walked == parsed and not repeated else json.dumps(walked, ensure_ascii=False)


def _deeper_than(node: Any, limit: int) -> bool:
    """Iterative, so junk nested thousands deep cannot exhaust the stack here either."""
    stack = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False
