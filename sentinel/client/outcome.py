"""Copy what a response (or a policy) says about a call onto its Observation."""

from __future__ import annotations

from sentinel.client.lonejson import loads_lone_surrogates
from sentinel.client.observation import Observation
from sentinel.client.params import ChatRequest
from sentinel.client.resilience import CallPolicy
from sentinel.client.sse import StreamAccumulator
from sentinel.client.types import ChatCompletion, TextCompletion
from sentinel.errors import ContentBlockedError


def parse_answer(request: ChatRequest, content: bytes) -> ChatCompletion | TextCompletion:
    """The response body as the type the operation answers (ValueError if it is not),
    keeping the body (a relay passes it on where Sentinel changes nothing)."""
    model = TextCompletion if request.operation == "text_completion" else ChatCompletion
    try:
        completion = model.model_validate_json(content)
    except ValueError:  # (pydantic's parser refuses an escaped lone surrogate)
        completion = model.model_validate(loads_lone_surrogates(content))
    completion._body = content
    return completion


def apply_policy(obs: Observation, policy: CallPolicy) -> None:
    obs.retries = policy.retries
    obs.rate_limited = policy.rate_limited
    obs.failovers = policy.failovers
    obs.circuit_open = policy.circuit_open


def apply_completion(obs: Observation, completion: ChatCompletion | TextCompletion) -> None:
    completion.request_id = obs.request_id
    obs.response_id = completion.id or None
    obs.response_model = completion.model or None
    obs.usage(completion.usage)
    obs.finish_reasons = [c.finish_reason for c in completion.choices if c.finish_reason]
    if obs.safety is not None:
        try:
            obs.safety.completion(completion)  # masks in place, or blocks (call failed)
        except ContentBlockedError:
            obs.finish()
            raise
    obs.completion = completion.content
    if isinstance(completion, ChatCompletion) and completion.choices:
        message = completion.choices[0].message
        obs.reasoning = message.reasoning_content
        obs.tool_calls = list(message.tool_calls or [])


def apply_stream(obs: Observation, acc: StreamAccumulator) -> None:
    obs.response_id = acc.id
    obs.response_model = acc.model
    obs.usage(acc.usage)
    obs.finish_reasons = acc.finish_reasons
    obs.completion = acc.text
    obs.reasoning = acc.reasoning
    obs.tool_calls = acc.tool_calls()
    timing = acc.timing
    obs.first_chunk, obs.first_content = timing.first_chunk, timing.first_content
    if timing.keepalives:
        obs.keepalives = timing.keepalives
        obs.keepalive_time = timing.keepalive_time()
