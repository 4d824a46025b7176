"""Where a call meets the filter: the client's one hook per call, at its start."""

from __future__ import annotations

from typing import Any

from sentinel.errors import ContentBlockedError
from sentinel.safety.filter import SafetyFilter


def screen_prompt(safety: SafetyFilter, obs: Any) -> None:
    """Give the call (`obs`, the client's Observation) its guard and screen its prompt
    before anything is sent: masked messages replace the request's (the app's own list
    is left alone), a blocked prompt finishes the call as failed and raises."""
    guard = safety.begin(obs)
    obs.safety = guard
    if guard is None:
        return
    request = obs.request
    try:
        messages = guard.messages(request.messages)
    except ContentBlockedError:
        # the conversation store keeps the refused prompt masked, never the listed term
        request.body["messages"] = guard.prompt
        obs.finish()
        raise
    if messages is not None:
        request.body["messages"] = messages
