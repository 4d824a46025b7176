"""JSON string escapes in free text, decoded for the analyzers.

An app that pastes `json.dumps(record)` into a prompt writes every non-ASCII character
as `\\uXXXX` (Python's default): `客户资料：{"name": "\\u5f20\\u4f1f"}`. The model reads
the name; a recognizer reading the text as written sees only hex. The analysis view
therefore starts from the text with each `\\uXXXX` (a surrogate pair as one character)
decoded, every decoded character mapped to its whole escape, so a finding covers the
escaped value and the text keeps its escaped form everywhere else. `\\\\u` is an escaped
backslash followed by a `u`, not an escape; a lone surrogate escape stays as written.
"""

from __future__ import annotations

import re
from array import array

# A backslash pair is matched (and skipped) first, so `\\\\u0041` is not an escape.
_ESCAPE = re.compile(
    r"\\\\|\\u(?:([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|([0-9a-fA-F]{4}))"
)


def decoded(text: str) -> tuple[str, array[int], array[int]] | None:
    """`text` with its `\\uXXXX` escapes decoded, and each decoded character's original
    span (`starts[i]:ends[i]`); None when it holds none (one substring check when it
    holds no `\\u` at all, nearly every text)."""
    if "\\u" not in text:
        return None
    pieces: list[str] = []
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    pos = 0
    for m in _ESCAPE.finditer(text):
        char = _char(*m.groups())
        if char is None:
            continue
        i = m.start()
        pieces.append(text[pos:i])
        starts.extend(range(pos, i))
        ends.extend(range(pos + 1, i + 1))
        pieces.append(char)
        starts.append(i)
        ends.append(m.end())
        pos = m.end()
    if not pieces:
        return None
    pieces.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(pieces), starts, ends


def _char(high: str | None, low: str | None, one: str | None) -> str | None:
    """The character of a surrogate pair's escapes or of one escape, None for a
    backslash pair or a lone surrogate (kept as written: no analyzer could read it)."""
    if high is not None and low is not None:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + int(low, 16) - 0xDC00)
    if one is None or 0xD800 <= (code := int(one, 16)) <= 0xDFFF:
        return None
    return chr(code)
