"""One call's story, for the explorer's call page: its attempts in order, with the waits
between them and the failover hops, from the record alone (pure, no I/O).

The record keeps the attempts that were followed by another (`CallRecord.attempts`);
the final attempt is the record itself, and its duration is what remains of the call's
after the earlier attempts and waits.
"""

from __future__ import annotations

from typing import Any

from sentinel.models import CallRecord


def timeline(call: CallRecord) -> list[dict[str, Any]]:
    """Attempts oldest first: number, offset from the call's start (ms), endpoint,
    HTTP status, error type, duration, the wait after it, and whether the next attempt
    went to another endpoint (a failover hop)."""
    earlier = list(call.attempts or [])
    rows: list[dict[str, Any]] = []
    offset = 0.0
    for a in earlier:
        rows.append({**a, "offset_ms": offset})
        offset += a["duration_ms"] + a["wait_ms"]
    rows.append(
        {
            "endpoint": call.endpoint,
            "status": call.http_status,
            "error_type": call.error_type,
            "duration_ms": max(0.0, call.duration_ms - offset),
            "wait_ms": 0.0,
            "offset_ms": offset,
        }
    )
    for n, row in enumerate(rows):
        row["attempt"] = n + 1
        following = rows[n + 1] if n + 1 < len(rows) else None
        row["then"] = (
            None
            if following is None
            else "failover" if following["endpoint"] != row["endpoint"] else "retry"
        )  # fmt: skip
    return rows


def summary(call: CallRecord) -> dict[str, Any]:
    """What the call page shows beside the timeline."""
    return {
        "attempts": 1 + len(call.attempts or []),
        "retries": call.retries,
        "failovers": call.failovers,
        "fallback": call.fallback,
        "breaker": "open: failed fast" if call.circuit_open else "closed",
        "rate_limited": call.rate_limited,
        "time_to_first_chunk_ms": None
        if call.time_to_first_chunk is None
        else call.time_to_first_chunk * 1000.0,
        "tokens": {
            "input": call.input_tokens,
            "cache_hit": call.cache_hit_tokens,
            "cache_miss": call.cache_miss_tokens,
            "output": call.output_tokens,
            "reasoning": call.reasoning_tokens,
            "total": call.total_tokens,
        },
    }
