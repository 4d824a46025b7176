"""A streamed chunk a block cut: what is left of it goes to the app before the error."""

from __future__ import annotations

from typing import Any

from sentinel.errors import ContentBlockedError
from sentinel.safety.runs import REASONING


def cut(guard: Any, chunk: Any, index: int, error: ContentBlockedError, ends: bool) -> str | None:
    """A block in choice `index` of `chunk` (n > 1): the choices after it are screened
    too, so each delivers only its releasable text and a choice blocked in the same
    chunk is cut as well (left unscreened, its held text, the start of its own term,
    went out as if it had ended). A cut choice keeps only what was screened before its
    term and holds nothing more. Returns what the chunk was cut in (None: nothing of it
    is left to deliver); the first block stays the call's error."""
    side = guard.sides["output"]
    choices = chunk.choices
    cuts = {index: guard._cut}
    guard._forget(choices[index].index)
    for i in range(index + 1, len(choices)):
        choice = choices[i]
        guard._cut = None
        try:
            guard._choice(choice, ends or choice.finish_reason is not None, side)
        except ContentBlockedError:
            cuts[i] = guard._cut
            guard._forget(choice.index)
    guard._call.fail(error)
    kept = []
    for i, choice in enumerate(choices):
        if i in cuts:
            if cuts[i] is None:
                continue
            _trim(choice, cuts[i])
        kept.append(choice)
    if not kept:
        return None
    chunk.choices[:] = kept
    return "choices"


def _trim(choice: Any, field: str) -> None:
    """A choice cut by a block in its `field`: only what was screened before the term
    is left (no unscreened text, tool call or logprobs, no finish: the stream is cut,
    not finished)."""
    delta = getattr(choice, "delta", None)
    if delta is not None:
        if field == "content" and delta.reasoning_content:
            delta.reasoning_content = None
        if delta.tool_calls and field != "tool_calls":  # (screened after the texts)
            delta.tool_calls = None
    extra = choice.__pydantic_extra__
    if field not in (REASONING, "tool_calls") and extra and extra.get("logprobs") is not None:
        choice.logprobs = None
    if choice.finish_reason is not None:
        choice.finish_reason = None
