"""Durations as operators write them ("72h", "1m30s", "250ms"): one parser and one
formatter for settings, rule files, CLI options and HTTP query parameters alike."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int | float | timedelta) -> timedelta:
    """Parse Prometheus-style durations ("72h", "1m30s", "250ms"); bare numbers are seconds.

    Raises ValueError naming the bad text so config and rule errors point at the input.
    """
    if isinstance(text, timedelta):
        return text
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"duration must not be negative: {text!r}")
        return _timedelta(text)
    s = str(text).strip()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return _timedelta(float(s))
    if s.startswith("-"):
        raise ValueError(f"duration must not be negative: {text!r}")
    pos, total = 0, 0.0
    for m in _DURATION_RE.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(s) or not s:
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 5m, 72h, 1h30m")
    return _timedelta(total)


def _timedelta(value: float) -> timedelta:
    # `99999999999999d` is past timedelta's range: its OverflowError is no ValueError, so
    # pydantic would let it escape as a traceback from every command instead of a refusal.
    try:
        return timedelta(seconds=value)
    except OverflowError:
        raise ValueError("duration too large") from None


def cli_seconds(text: str) -> float:
    """A command-line duration option ("5s", "250ms", "1m"; a bare number is seconds).

    Typer turns the ValueError into a usage error (exit 2) naming the option, the same
    words the settings use, so `--timeout 5` and `SENTINEL_TIMEOUT=5` read alike.
    """
    seconds = parse_duration(text).total_seconds()
    if seconds <= 0:
        raise ValueError(f"must be positive: {text!r}")
    return seconds


def format_duration(td: timedelta) -> str:
    """Render a duration the way operators write them (1h30m, 45s)."""
    secs = td.total_seconds()
    if secs < 1 and secs > 0:
        return f"{int(secs * 1000)}ms"
    secs = round(secs)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if secs >= size:
            parts.append(f"{secs // size}{unit}")
            secs %= size
    return "".join(parts) or "0s"
