"""A streamed chunk a block cut: what is left of it goes to the app before the error."""

from __future__ import annotations

from typing import Any

from sentinel.safety.runs import REASONING


def trim(chunk: Any, index: int, field: str | None) -> str:
    """A chunk cut by a block in its choice `index`'s `field`: only what was screened
    before the term is left (no later choice, no unscreened text, tool call or logprobs,
    no finish: the stream is cut, not finished); what it was cut in. With no text left
    before the term (`field` None), the choices before `index` still go out (n > 1:
    their maskers moved past their pieces, which would otherwise be lost)."""
    if field is None:
        del chunk.choices[index:]
        return "choices"
    del chunk.choices[index + 1 :]
    choice = chunk.choices[index]
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
    return field
