"""Typed, OpenAI-shaped responses.

`extra="allow"` keeps fields DeepSeek adds (e.g. `reasoning_content`,
`prompt_cache_hit_tokens`) reachable instead of failing on them. `request_id` is
Sentinel's id for the call (the stored record's id), not the server's `id`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, Strict


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


_MAX_COUNT = 2**63 - 1  # what the stores' integer columns hold


def _count(value: Any) -> int | None:
    """Usage is telemetry about an answer the app already has: a shim upstream's null,
    negative, fractional or non-numeric count becomes unknown instead of failing the call."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        return None
    return value


# Every answer is validated (it comes off the network), but an answer that is well formed
# is validated without calling Python: each lenient type below is a union whose first
# member pydantic-core checks natively (a count: a JSON integer in range), and only a
# value that fails it reaches the Python fallback, which never fails (a ChatCompletion's
# usage was seven Python calls, ~1 us of its ~6.6 in a loop; a stream's last chunk the
# same). tests/client/test_usage_types.py compares it with the fallback alone.
_Native = Annotated[int, Strict(), Field(ge=0, le=_MAX_COUNT)]
_FIRST = Field(union_mode="left_to_right")
Count = Annotated[_Native | Annotated[int | None, BeforeValidator(_count)], _FIRST]
Total = Annotated[_Native | Annotated[int, BeforeValidator(lambda v: _count(v) or 0)], _FIRST]
_NotMapping = Annotated[None, BeforeValidator(lambda v: None)]  # what else is there: unknown


class CompletionTokensDetails(_Model):
    reasoning_tokens: Count = None


class Usage(_Model):
    """DeepSeek's usage: prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens,
    and in thinking mode completion_tokens includes the reasoning tokens."""

    prompt_tokens: Total = 0
    completion_tokens: Total = 0
    total_tokens: Total = 0
    prompt_cache_hit_tokens: Count = None
    prompt_cache_miss_tokens: Count = None
    completion_tokens_details: Annotated[
        None | CompletionTokensDetails | _NotMapping,  # noqa: RUF036  (the order is the check's)
        _FIRST,
    ] = None

    @property
    def reasoning_tokens(self) -> int | None:
        details = self.completion_tokens_details
        return details.reasoning_tokens if details is not None else None


# null first: every chunk of a stream but the last says usage: null
AnyUsage = Annotated[None | Usage | _NotMapping, _FIRST]  # noqa: RUF036


class ChatMessage(_Model):
    role: str = "assistant"
    content: str | None = None
    # thinking mode's chain of thought; send it back on the tool-call turns that follow
    reasoning_content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class Choice(_Model):
    index: int = 0
    message: ChatMessage
    finish_reason: str | None = None


class ChatCompletion(_Model):
    _body: bytes | None = PrivateAttr(None)  # the upstream's response body, for relays
    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[Choice] = []
    usage: AnyUsage = None
    request_id: str = ""

    @property
    def content(self) -> str | None:
        """The first choice's text, the common case."""
        return self.choices[0].message.content if self.choices else None


class _Streamed(_Model):
    """A streamed chunk's provenance, for relays (the proxy): `_wire` is the upstream's
    event data as received, kept while the chunk still says exactly that, so it goes on
    byte for byte; None once Sentinel changed the chunk (a mask, a held-back tail, a
    restored placeholder) or made it. `_upstream`: parsed from the upstream, so a
    changed chunk is re-serialised with the upstream's keys only (no added nulls)."""

    _wire: str | None = PrivateAttr(None)
    _upstream: bool = PrivateAttr(False)


class Delta(_Model):
    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChunkChoice(_Model):
    index: int = 0
    delta: Delta = Delta()
    finish_reason: str | None = None


class ChatCompletionChunk(_Streamed):
    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[ChunkChoice] = []
    usage: AnyUsage = None
    request_id: str = ""


class TextChoice(_Model):
    index: int = 0
    text: str = ""
    finish_reason: str | None = None


class TextCompletion(_Streamed):
    """A FIM completion (POST /beta/completions)."""

    _body: bytes | None = PrivateAttr(None)  # a whole answer's upstream body, for relays
    id: str = ""
    object: str = "text_completion"
    created: int = 0
    model: str = ""
    choices: list[TextChoice] = []
    usage: AnyUsage = None
    request_id: str = ""

    @property
    def content(self) -> str | None:
        return self.choices[0].text if self.choices else None


class BalanceInfo(_Model):
    currency: str
    total_balance: str
    granted_balance: str | None = None
    topped_up_balance: str | None = None


class Balance(_Model):
    """GET /user/balance: whether the account can still call, and its balances."""

    is_available: bool = False
    balance_infos: list[BalanceInfo] = []


class Model(_Model):
    id: str
    object: str = "model"
    owned_by: str | None = None


def fallback_completion(result: Any, model: str) -> ChatCompletion:
    """Turn what an app's fallback callable returned into a ChatCompletion.

    Accepting a plain string lets a degraded answer be one line of app code.
    """
    if isinstance(result, ChatCompletion):
        return result
    if isinstance(result, str):
        return ChatCompletion(
            model=model,
            choices=[Choice(message=ChatMessage(content=result), finish_reason="stop")],
        )
    if isinstance(result, dict):
        return ChatCompletion.model_validate(result)
    raise TypeError(
        f"fallback returned {type(result).__name__}; return a ChatCompletion, dict or str"
    )
