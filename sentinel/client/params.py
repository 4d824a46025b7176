"""Request validation: bad parameters fail here, before anything is sent or counted.

The ranges are DeepSeek's documented ones; checking them locally turns a round trip
and a 400/422 into an immediate `InvalidRequestError` naming the parameter.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sentinel.appnames import InvalidAppName, validate_app_name
from sentinel.errors import InvalidRequestError
from sentinel.models import TOKEN_ID, CallParams, construct
from sentinel.subjects import InvalidSubjectId, normalize_subject_id

_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
}
_ROLES = frozenset({"system", "user", "assistant", "tool"})
# DeepSeek parameters sent as given (no local check); anything else is most likely a typo
# (`temprature=`) that would otherwise be ignored upstream. `extra_body` is the escape
# hatch for parameters newer than this list, as in the openai SDK.
_PASSTHROUGH = frozenset({"top_logprobs", "stream_options"})
# DeepSeek's efforts and what it maps the OpenAI-style ones to (low, high, max).
EFFORTS = ("minimal", "low", "medium", "high", "xhigh", "max", "ultra")
_TOOL_CHOICES = ("auto", "none", "required")
_NAMED = (
    "model",
    "messages",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "max_tokens",
    "stop",
    "response_format",
    "tools",
    "tool_choice",
    "thinking",
    "reasoning_effort",
    "logprobs",
    "conversation_id",
    "stream",
    "subject_id",
    "app",
    "metadata",
    "extra_body",
)


@dataclass(slots=True)
class ChatRequest:
    """A validated request: the JSON body plus what telemetry and records need."""

    body: dict[str, Any]
    model: str
    params: CallParams
    stream: bool
    subject_id: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    app: str | None = None  # overrides the client's app for this call (the sidecar proxy)
    conversation_id: str | None = None
    thinking: str | None = None  # "enabled" / "disabled" as requested; None: model default
    path: str = "/chat/completions"  # under the base URL; beta features live under /beta
    operation: str = "chat"  # gen_ai.operation.name: chat, or text_completion (FIM)
    proxy_token_id: str | None = None  # the proxy token that made the call (its id only)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The conversation; a FIM request's prompt and suffix as one user message."""
        if "messages" in self.body:
            return self.body["messages"]
        return [{"role": "user", "content": self.body["prompt"], "suffix": self.body.get("suffix")}]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestError(f"{name} must be a number, got {type(value).__name__}")
    lo, hi = _RANGES[name]
    if not lo <= value <= hi:
        raise InvalidRequestError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _messages(messages: Any) -> list[dict[str, Any]]:
    if messages is None:
        raise InvalidRequestError("messages is required, e.g. [{'role': 'user', 'content': 'hi'}]")
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes):
        raise InvalidRequestError("messages must be a list of {'role', 'content'} dicts")
    if not messages:
        raise InvalidRequestError("messages must not be empty")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, Mapping):
            raise InvalidRequestError(f"messages[{i}] must be a dict, got {type(m).__name__}")
        role = m.get("role")
        if role not in _ROLES:
            raise InvalidRequestError(
                f"messages[{i}].role must be one of {sorted(_ROLES)}, got {role!r}"
            )
        content = m.get("content")
        if content is not None and not isinstance(content, str | list):
            raise InvalidRequestError(f"messages[{i}].content must be a string")
        if content is None and role != "assistant":
            raise InvalidRequestError(f"messages[{i}].content is required for role {role!r}")
        out.append(dict(m))
    return out


def _stop(stop: Any) -> list[str] | None:
    if stop is None:
        return None
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list | tuple) or not all(isinstance(s, str) for s in stops):
        raise InvalidRequestError("stop must be a string or a list of strings")
    if len(stops) > 16:
        raise InvalidRequestError(f"stop accepts at most 16 sequences, got {len(stops)}")
    return list(stops)


def _extra(extra: Mapping[str, Any], extra_body: Any) -> dict[str, Any]:
    for name in extra:
        if name not in _PASSTHROUGH:
            close = difflib.get_close_matches(name, (*_NAMED, *_PASSTHROUGH), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; pass it in extra_body={...}"
            raise InvalidRequestError(f"unknown parameter {name!r}{hint}")
    if extra_body is not None and not isinstance(extra_body, Mapping):
        raise InvalidRequestError("extra_body must be a dict of extra JSON body fields")
    return {**extra, **(extra_body or {})}


def _thinking(thinking: Any) -> str | None:
    if thinking is None:
        return None
    kind = thinking.get("type") if isinstance(thinking, Mapping) else None
    if kind not in ("enabled", "disabled") or len(thinking) != 1:
        raise InvalidRequestError(
            "thinking must be {'type': 'enabled'} or {'type': 'disabled'}, got " + repr(thinking)
        )
    return kind


def _tool_choice(choice: Any) -> str | None:
    """The choice as a label: auto, none, required, or function:<name>."""
    if choice is None:
        return None
    if isinstance(choice, str) and choice in _TOOL_CHOICES:
        return choice
    if isinstance(choice, Mapping) and choice.get("type") == "function":
        name = (
            choice.get("function", {}).get("name")
            if isinstance(choice.get("function"), Mapping)
            else None
        )
        if isinstance(name, str) and name:
            return f"function:{name}"
    raise InvalidRequestError(
        "tool_choice must be 'auto', 'none', 'required' or "
        "{'type': 'function', 'function': {'name': ...}}"
    )


def _tool_names(tools: list[dict[str, Any]]) -> list[str]:
    names = []
    for i, tool in enumerate(tools):
        fn = tool.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"tools[{i}].function.name is required")
        names.append(name)
    return names


def _metadata(metadata: Any) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise InvalidRequestError("metadata must be a dict of label names to values")
    return {str(k): str(v) for k, v in metadata.items()}


def build_chat_request(
    *,
    model: str | None = None,
    messages: Any = None,
    temperature: float | None = None,
    top_p: float | None = None,
    frequency_penalty: float | None = None,
    presence_penalty: float | None = None,
    max_tokens: int | None = None,
    stop: str | list[str] | None = None,
    response_format: Mapping[str, Any] | None = None,
    tools: list[Mapping[str, Any]] | None = None,
    tool_choice: str | Mapping[str, Any] | None = None,
    thinking: Mapping[str, Any] | None = None,
    reasoning_effort: str | None = None,
    logprobs: bool | None = None,
    conversation_id: str | None = None,
    stream: bool = False,
    subject_id: str | None = None,
    app: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    proxy_token_id: str | None = None,
    **extra: Any,
) -> ChatRequest:
    """Validate and assemble. Keywords outside DeepSeek's parameters are refused (a typo
    would otherwise be silently ignored); `extra_body` fields are sent as given."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequestError("model is required: a non-empty string, e.g. 'deepseek-v4-flash'")
    body: dict[str, Any] = {"model": model, "messages": _messages(messages)}
    numbers = {
        "temperature": temperature,
        "top_p": top_p,
        "frequency_penalty": frequency_penalty,
        "presence_penalty": presence_penalty,
    }
    for name, value in numbers.items():
        if value is not None:
            body[name] = numbers[name] = _number(name, value)
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise InvalidRequestError(f"max_tokens must be a positive integer, got {max_tokens!r}")
        body["max_tokens"] = max_tokens
    stops = _stop(stop)
    if stops is not None:
        body["stop"] = stops
    fmt_type = None
    if response_format is not None:
        fmt_type = response_format.get("type") if isinstance(response_format, Mapping) else None
        if fmt_type not in ("text", "json_object"):
            raise InvalidRequestError(
                "response_format must be {'type': 'text'} or {'type': 'json_object'}"
            )
        body["response_format"] = dict(response_format)
    names = None
    if tools is not None:
        if not isinstance(tools, list) or not all(isinstance(t, Mapping) for t in tools):
            raise InvalidRequestError("tools must be a list of tool definition dicts")
        body["tools"] = [dict(t) for t in tools]
        names = _tool_names(body["tools"])
    choice = _tool_choice(tool_choice)
    if choice is not None:
        body["tool_choice"] = tool_choice if isinstance(tool_choice, str) else dict(tool_choice)
    mode = _thinking(thinking)
    if mode is not None:
        body["thinking"] = {"type": mode}
    if reasoning_effort is not None:
        if reasoning_effort not in EFFORTS:
            raise InvalidRequestError(
                f"reasoning_effort must be one of {list(EFFORTS)}, got {reasoning_effort!r}"
            )
        body["reasoning_effort"] = reasoning_effort
    if logprobs is not None:
        if not isinstance(logprobs, bool):
            raise InvalidRequestError("logprobs must be True or False")
        body["logprobs"] = logprobs
    if conversation_id is not None and (
        not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= 256
    ):
        raise InvalidRequestError("conversation_id must be a string of 1 to 256 characters")
    if not isinstance(stream, bool):
        raise InvalidRequestError("stream must be True or False")
    if subject_id is not None:
        try:
            subject_id = normalize_subject_id(subject_id)
        except InvalidSubjectId as exc:
            raise InvalidRequestError(f"subject_id: {exc}") from None
    if app is not None:
        try:
            validate_app_name(app)
        except InvalidAppName as exc:
            raise InvalidRequestError(str(exc)) from None
    if proxy_token_id is not None and not (
        isinstance(proxy_token_id, str) and re.fullmatch(TOKEN_ID, proxy_token_id)
    ):  # the id is recorded and shown: never let a whole token (its secret) through
        raise InvalidRequestError("proxy_token_id must be a token id: 16 hex digits")
    meta = _metadata(metadata)
    body.update(_extra(extra, extra_body))
    if stream:  # usage arrives only in the last chunk, and only when asked for
        body["stream"] = True
        options = body.get("stream_options") or {}
        if not isinstance(options, Mapping):
            raise InvalidRequestError("stream_options must be a dict")
        body["stream_options"] = {**options, "include_usage": True}
    params = construct(
        CallParams,
        dict(
            temperature=numbers["temperature"],
            top_p=numbers["top_p"],
            frequency_penalty=numbers["frequency_penalty"],
            presence_penalty=numbers["presence_penalty"],
            max_tokens=max_tokens,
            stop=stops,
            stream=stream,
            response_format=fmt_type,
            tools=len(tools) if tools is not None else None,
            tool_choice=choice,
            tool_names=names,
            thinking=mode,
            reasoning_effort=reasoning_effort,
            prefix=_is_prefix(body["messages"]),
        ),
    )
    prefix = params.prefix
    path = "/beta/chat/completions" if prefix else "/chat/completions"
    return ChatRequest(
        body, model, params, stream, subject_id, meta, app, conversation_id, mode, path,
        proxy_token_id=proxy_token_id,
    )  # fmt: skip


def build_fim_request(
    *,
    model: str | None = None,
    prompt: Any = None,
    suffix: Any = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    stream: bool = False,
    subject_id: str | None = None,
    app: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    conversation_id: str | None = None,
    extra_body: Mapping[str, Any] | None = None,
    proxy_token_id: str | None = None,
) -> ChatRequest:
    """FIM completion (beta): the text between `prompt` and `suffix`. Validated like chat
    (same rules for the shared parameters, `stream` included: chunks carry `text`)."""
    if not isinstance(prompt, str):
        raise InvalidRequestError("prompt is required: the text before the gap")
    if suffix is not None and not isinstance(suffix, str):
        raise InvalidRequestError("suffix must be a string: the text after the gap")
    chat = build_chat_request(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens,
        temperature=temperature, top_p=top_p, stop=stop, stream=stream, subject_id=subject_id,
        app=app, metadata=metadata, conversation_id=conversation_id, extra_body=extra_body,
        thinking={"type": "disabled"}, proxy_token_id=proxy_token_id,
    )  # fmt: skip
    body = {k: v for k, v in chat.body.items() if k not in ("messages", "thinking")}
    body["prompt"] = prompt
    if suffix is not None:
        body["suffix"] = suffix
    chat.params.thinking = None
    return ChatRequest(
        body, chat.model, chat.params, chat.stream, chat.subject_id, chat.metadata, chat.app,
        chat.conversation_id, None, "/beta/completions", "text_completion", proxy_token_id,
    )  # fmt: skip


def _is_prefix(messages: list[dict[str, Any]]) -> bool:
    """Chat prefix completion (beta): the last message is the assistant's, `prefix: True`."""
    last = messages[-1]
    return last.get("role") == "assistant" and last.get("prefix") is True
