"""JSON whose strings escape a lone surrogate (`"\\ud800"`): still JSON (what JavaScript's
JSON.stringify writes for a broken string, what a model echoes of one), but orjson and
pydantic's parser refuse it. Read with the standard library, only for such a text, so
the fast parser stays on every other body; the text keeps its lone surrogate, as
`json.loads` gives it (the records layer stores it as U+FFFD)."""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_lone_surrogates(raw: bytes | str) -> Any:
    """`raw`, which the fast parser refused, read as JSON if it escapes a surrogate;
    ValueError if it does not, or is not JSON either."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not _SURROGATE_ESCAPE.search(data):
        raise ValueError("not JSON")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("not JSON") from None
