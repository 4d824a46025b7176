"""Pure resilience policy: no I/O, time from an injected clock, so every schedule and
transition is tested exactly. The sync and async clients drive the same objects."""

from sentinel.client.resilience.breaker import BreakerState, CircuitBreaker
from sentinel.client.resilience.policy import Action, CallPolicy
from sentinel.client.resilience.ratelimit import RATE_LIMIT_PRESETS, TokenBucket
from sentinel.client.resilience.retry import RetryPolicy, parse_retry_after

__all__ = [
    "RATE_LIMIT_PRESETS",
    "Action",
    "BreakerState",
    "CallPolicy",
    "CircuitBreaker",
    "RetryPolicy",
    "TokenBucket",
    "parse_retry_after",
]
