"""Where a call meets the filter: the client's one hook per call, at its start."""

from __future__ import annotations

from typing import Any

from sentinel.errors import ContentBlockedError
from sentinel.safety.filter import SafetyFilter
from sentinel.safety.guard import CallGuard

FIM_FIELDS = ("prompt", "suffix")  # a FIM request's texts: both go upstream


def screen_prompt(safety: SafetyFilter, obs: Any) -> None:
    """Give the call (`obs`, the client's Observation) its guard and screen its prompt
    before anything is sent: masked messages replace the request's (the app's own list
    is left alone), a blocked prompt finishes the call as failed and raises."""
    guard = safety.begin(obs)
    obs.safety = guard
    if guard is None:
        return
    body = obs.request.body
    tools = body.get("tools")
    stop = body.get("stop")
    try:
        messages = guard.messages(_texts(body))
        if isinstance(tools, list):
            _tools(obs, guard.tools(tools))
        if isinstance(stop, list) and stop:
            body["stop"] = guard.texts(stop)
    except ContentBlockedError:
        # the conversation store keeps the refused prompt masked, never the listed term
        _replace(body, guard.prompt or [])
        if isinstance(tools, list):
            _tools(obs, guard.tool_defs or guard.masked_tools(tools))
        _redact_params(guard, obs)
        obs.finish()
        raise
    if messages is not None:
        _replace(body, messages)
    _redact_params(guard, obs)


def _redact_params(guard: CallGuard, obs: Any) -> None:
    """The request parameters that telemetry and the call record carry, with every
    listed term masked (sent upstream as screened: the stop sequences by their
    categories' actions). The tool choice names a tool as its screened definition does."""
    params = obs.request.params
    body = obs.request.body
    choice = body.get("tool_choice")
    fn = choice.get("function") if isinstance(choice, dict) else None
    name = fn.get("name") if isinstance(fn, dict) else None
    if isinstance(name, str) and name and (masked := guard.masked_name(name)) != name:
        body["tool_choice"] = {**choice, "function": {**fn, "name": masked}}  # type: ignore[dict-item]
    if params.stop:
        params.stop = [guard.redacted(s) for s in params.stop]
    if params.tool_names:
        params.tool_names = [guard.redacted(n) for n in params.tool_names]
    if params.tool_choice and params.tool_choice.startswith("function:"):
        params.tool_choice = guard.redacted(params.tool_choice)


def _tools(obs: Any, tools: list[Any]) -> None:
    """The screened tool definitions in place of the request's, and their (possibly
    masked) names on the call's parameters: what telemetry and the records show."""
    body = obs.request.body
    if tools is body["tools"]:
        return
    body["tools"] = tools
    obs.request.params.tool_names = [
        t["function"]["name"] for t in tools if isinstance(t.get("function"), dict)
    ]


def _texts(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat messages, or a FIM request's prompt and suffix, one message each (the
    suffix is sent upstream as much as the prompt, so it is screened as much)."""
    if "messages" in body:
        return body["messages"]
    return [
        {"role": "user", "content": body[f]} for f in FIM_FIELDS if isinstance(body.get(f), str)
    ]


def _replace(body: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    """Put the screened texts back where `_texts` took them from."""
    if "messages" in body:
        body["messages"] = messages
        return
    fields = [f for f in FIM_FIELDS if isinstance(body.get(f), str)]
    for name, message in zip(fields, messages, strict=True):
        body[name] = message["content"]
