"""What FakeDeepSeek answers, as DeepSeek's V4 API does: pure functions of the request.

- Models: `deepseek-v4-flash`, `deepseek-v4-pro`; the retired compatibility aliases
  (`deepseek-chat`, `deepseek-reasoner`) get DeepSeek's 400 "Model Not Exist", and an
  unknown model the same.
- Thinking mode, on by default on V4 (`thinking: {"type": "disabled"}` turns it off,
  `reasoning_effort` is accepted): the message carries `reasoning_content`, streamed as
  `reasoning_content` deltas before the answer; `logprobs` with thinking on is a 400.
- `logprobs: true` (thinking off): the answer's tokens (pieces of at most 4 characters
  of each streamed word) with `top_logprobs` alternatives, the token itself first; a
  stream's content chunk carries the tokens of its piece.
- Tool calls: with `tools` offered (and `tool_choice` not "none") and no tool result yet
  in the conversation, the model calls the chosen (or first) tool with the last user
  message as argument; streamed as id/name first, then the arguments in pieces.
- Usage as DeepSeek reports it: `prompt_cache_hit_tokens` (the longest prefix, in
  words, that an earlier request's prompt shared: prefix caching) and
  `prompt_cache_miss_tokens`, `completion_tokens_details.reasoning_tokens`.
- FIM (`POST /beta/completions`): `prompt` + `suffix` in, a `text_completion` out; with
  `logprobs: N` the legacy shape (`tokens`, `token_logprobs`, `top_logprobs` maps of N
  alternatives, `text_offset` from the prompt's end), a stream's chunk carrying its piece's.
- Chat prefix completion (`prefix: true` on the last, assistant, message): answered on
  `/beta/chat/completions`, a 400 on `/chat/completions` as DeepSeek does.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

MODELS = ("deepseek-v4-flash", "deepseek-v4-pro", "deepseek-flash")
RETIRED = ("deepseek-chat", "deepseek-reasoner")


class BadRequest(Exception):
    """A request DeepSeek answers with a 400 and this message."""


def words(text: str) -> list[str]:
    return text.split()


def tokens(text: str | None) -> int:
    """The fake's tokenizer: words, at least one per text."""
    return max(1, len(words(text or "")))


def _prompt_words(messages: list[dict[str, Any]]) -> list[str]:
    """The prompt as the cache sees it (contents only, so hits never exceed the prompt
    tokens counted from the same contents)."""
    out: list[str] = []
    for m in messages:
        content = m.get("content")
        out += words(content if isinstance(content, str) else "")
    return out


class PrefixCache:
    """DeepSeek's context cache, by words: a prompt's hit tokens are the longest prefix it
    shares with any earlier prompt, so a repeated system prompt or a growing
    conversation hits and a new one misses."""

    def __init__(self) -> None:
        self._seen: list[list[str]] = []
        self._lock = threading.Lock()

    def hit(self, prompt: list[str]) -> int:
        with self._lock:
            best = 0
            for earlier in self._seen:
                n = 0
                for a, b in zip(earlier, prompt, strict=False):
                    if a != b:
                        break
                    n += 1
                best = max(best, n)
            self._seen.append(prompt)
        return best

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def thinking_on(req: dict[str, Any], default: bool = True) -> bool:
    """V4 thinks unless told `thinking: {"type": "disabled"}`."""
    thinking = req.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "disabled"):
        return thinking["type"] == "enabled"
    return default


def check(req: dict[str, Any], models: list[str], thinking_default: bool) -> None:
    model = req.get("model")
    if model not in models:
        raise BadRequest("Model Not Exist")
    if thinking_on(req, thinking_default) and req.get("logprobs"):
        raise BadRequest("logprobs is not supported in thinking mode")


PREFIX_NOT_BETA = (
    'prefix is only available when using beta api (set base_url="https://api.deepseek.com/beta")'
)


def check_prefix(req: dict[str, Any], beta: bool) -> None:
    """Chat prefix completion (`prefix: true` on the last, assistant, message) is a beta
    feature: DeepSeek refuses it outside /beta with this 400."""
    last = req["messages"][-1]
    if isinstance(last, dict) and last.get("prefix") is True:
        if not beta:
            raise BadRequest(PREFIX_NOT_BETA)
        if last.get("role") != "assistant":
            raise BadRequest("prefix is only allowed on the last message, an assistant one")


def _tool_call(req: dict[str, Any], question: str) -> dict[str, Any] | None:
    tools = req.get("tools") or []
    choice = req.get("tool_choice", "auto")
    if not tools or choice == "none":
        return None
    if any(m.get("role") == "tool" for m in req["messages"]):
        return None  # the tool already answered: now the model replies
    name = tools[0].get("function", {}).get("name", "tool")
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name", name)
    return {
        "id": f"call_{uuid.uuid4().hex[:12]}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps({"query": question})},
    }


def _pieces(text: str) -> list[str]:
    """The streamed pieces of an answer (a word with the space before it): joined, the text."""
    return re.findall(r" *[^ ]+| +$", text)  # every space kept: "Anne  Lynch" as sent


def _logprobs(text: str, top: int) -> dict[str, Any]:
    def alt(token: str, logprob: float) -> dict[str, Any]:
        return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

    entries = [
        alt(token, -0.1) | {"top_logprobs": [alt(token, -0.1), alt(" x", -3.0)][:top]}
        for piece in _pieces(text)
        for token in (piece[i : i + 4] for i in range(0, len(piece), 4))
    ]
    return {"content": entries}


def completion(
    req: dict[str, Any],
    reply: Callable[[list[dict[str, Any]]], str],
    cache: PrefixCache,
    thinking_default: bool = True,
) -> dict[str, Any]:
    messages = req["messages"]
    text = reply(messages)
    thinking = thinking_on(req, thinking_default)
    reasoning = f"The user wrote {len(words(text))} words; answer briefly." if thinking else None
    last_user = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    call = _tool_call(req, last_user if isinstance(last_user, str) else "")
    message: dict[str, Any] = {"role": "assistant", "content": "" if call else text}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if call is not None:
        message["tool_calls"] = [call]
    n_in = sum(
        tokens(m.get("content") if isinstance(m.get("content"), str) else "") for m in messages
    )
    hit = min(cache.hit(_prompt_words(messages)), n_in)
    reasoning_tokens = tokens(reasoning) if reasoning else 0
    output = (tokens(text) if not call else 8) + reasoning_tokens
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": req.get("model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if call else "stop",
                "logprobs": _logprobs(message["content"], int(req.get("top_logprobs") or 0))
                if req.get("logprobs")
                else None,
            }
        ],
        "usage": {
            "prompt_tokens": n_in,
            "completion_tokens": output,
            "total_tokens": n_in + output,
            "prompt_cache_hit_tokens": hit,
            "prompt_cache_miss_tokens": n_in - hit,
            "completion_tokens_details": {"reasoning_tokens": reasoning_tokens},
        },
        "system_fingerprint": "fp_fake_v4",
    }


def stream_events(full: dict[str, Any]) -> list[dict[str, Any]]:
    """The chunks of a completion: role, reasoning deltas, content (or tool-call) deltas,
    then the finish reason with usage (DeepSeek sends usage when include_usage is set;
    this fake always does)."""
    base = {k: full[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    choice = full["choices"][0]
    message = choice["message"]
    events = [chunk({"role": "assistant", "content": ""})]
    for i, w in enumerate(words(message.get("reasoning_content") or "")):
        events.append(chunk({"reasoning_content": w if i == 0 else " " + w}))
    for call in message.get("tool_calls") or []:
        fn = call["function"]
        head = {"index": 0, "id": call["id"], "type": "function"}
        events.append(chunk({"tool_calls": [head | {"function": {"name": fn["name"]}}]}))
        args = fn["arguments"]
        half = len(args) // 2
        for part in (args[:half], args[half:]):
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}))
    logprobs = iter((choice.get("logprobs") or {}).get("content") or ())
    for piece in _pieces(message.get("content") or ""):
        event = chunk({"content": piece})
        if choice.get("logprobs") is not None:  # the tokens that spell this piece
            tokens, spelt = [], ""
            while spelt != piece:
                tokens.append(entry := next(logprobs))
                spelt += entry["token"]
            event["choices"][0]["logprobs"] = {"content": tokens}
        events.append(event)
    events.append(chunk({}, choice["finish_reason"]) | {"usage": full["usage"]})
    return events


def _fim_pieces(text: str) -> list[str]:
    """A FIM answer's streamed pieces (each ends at a space): joined, the text."""
    return [p for p in re.split(r"(?<= )", text) if p]


def _fim_logprobs(text: str, offset: int, top: int) -> dict[str, Any]:
    """The legacy (completions) logprobs of `text`: tokens of at most 4 characters of
    each streamed piece, the token itself first among its alternatives."""
    toks = [p[i : i + 4] for p in _fim_pieces(text) for i in range(0, len(p), 4)]
    starts = [offset + sum(len(t) for t in toks[:i]) for i in range(len(toks))]
    return {
        "tokens": toks,
        "token_logprobs": [-0.1] * len(toks),
        "top_logprobs": [dict(list({t: -0.1, " x": -3.0}.items())[:top]) for t in toks],
        "text_offset": starts,
    }


def fim(req: dict[str, Any], cache: PrefixCache) -> dict[str, Any]:
    """FIM: fills the gap between `prompt` and `suffix` (here: names both ends)."""
    prompt, suffix = req.get("prompt"), req.get("suffix")
    if not isinstance(prompt, str):
        raise BadRequest("prompt must be a string")
    text = f" /* between {len(words(prompt))} and {len(words(suffix or ''))} words */ "
    hit = min(cache.hit(words(prompt)), tokens(prompt))
    n_in, n_out = tokens(prompt) + len(words(suffix or "")), tokens(text)
    top = req.get("logprobs")
    logprobs = None
    if isinstance(top, int) and not isinstance(top, bool):
        if not 0 <= top <= 20:
            raise BadRequest("logprobs must be an integer between 0 and 20")
        logprobs = _fim_logprobs(text, len(prompt), top)
    return {
        "id": f"cmpl-{uuid.uuid4().hex[:24]}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": req.get("model"),
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": logprobs}],
        "usage": {
            "prompt_tokens": n_in,
            "completion_tokens": n_out,
            "total_tokens": n_in + n_out,
            "prompt_cache_hit_tokens": hit,
            "prompt_cache_miss_tokens": n_in - hit,
        },
    }


def fim_stream_events(full: dict[str, Any]) -> list[dict[str, Any]]:
    """A FIM completion as DeepSeek streams it: `choices[].text` pieces (no delta), the
    finish reason with usage last."""
    base = {k: full[k] for k in ("id", "created", "model", "object")}
    choice = full["choices"][0]

    def chunk(text: str, finish: str | None = None) -> dict[str, Any]:
        return base | {"choices": [{"index": 0, "text": text, "finish_reason": finish}]}

    events = [chunk(piece) for piece in _fim_pieces(choice["text"])]
    if (logprobs := choice.get("logprobs")) is not None:  # each piece's tokens with it
        n = 0
        for event in events:
            spelt, first = "", n
            while spelt != event["choices"][0]["text"]:
                spelt, n = spelt + logprobs["tokens"][n], n + 1
            event["choices"][0]["logprobs"] = {k: v[first:n] for k, v in logprobs.items()}
    events.append(chunk("", choice["finish_reason"]) | {"usage": full["usage"]})
    return events


def balance_body(balances: dict[str, float]) -> dict[str, Any]:
    """GET /user/balance as DeepSeek shapes it (amounts are strings)."""
    infos = [
        {
            "currency": currency,
            "total_balance": f"{amount:.2f}",
            "granted_balance": "0.00",
            "topped_up_balance": f"{amount:.2f}",
        }
        for currency, amount in balances.items()
    ]
    return {"is_available": any(a > 0 for a in balances.values()), "balance_infos": infos}
