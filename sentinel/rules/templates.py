"""Annotation templates: `{{ value }}`, `{{ labels.model }}`, `{{ threshold }}`, with
optional filters `| percent` (0.1 → 10%) and `| duration` (seconds → 1h30m).

A deliberately tiny language instead of Jinja: annotations only ever interpolate a
value and labels, and a closed grammar lets `rules check` reject a typo at load time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import timedelta

from sentinel.durations import format_duration

_EXPR_RE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_TERM_RE = re.compile(r"(value|threshold|labels\.([A-Za-z_][A-Za-z0-9_]*))(?:\s*\|\s*(\w+))?")
FILTERS = ("percent", "duration", "humanize")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return f"{value:.4g}"


def _apply(value: float | None, flt: str | None) -> str:
    if value is None:
        return "n/a"
    if flt == "percent":
        return f"{value * 100:.3g}%"
    if flt == "duration":
        return format_duration(timedelta(seconds=max(value, 0.0)))
    return _number(value)


def check_template(text: str) -> None:
    """Raise ValueError describing the first expression that cannot be rendered.

    `labels.X` is accepted for any X (group labels, rule labels and `alertname` all
    are labels); the grammar and the filter names are what is checked."""
    for m in _EXPR_RE.finditer(text):
        term = _TERM_RE.fullmatch(m.group(1))
        if term is None:
            raise ValueError(
                f"cannot render {m.group(0)!r}: use {{{{ value }}}}, {{{{ threshold }}}} or "
                f"{{{{ labels.NAME }}}}, optionally with | {' | '.join(FILTERS)}"
            )
        if term.group(3) and term.group(3) not in FILTERS:
            raise ValueError(f"unknown filter {term.group(3)!r} in {m.group(0)!r}: use {FILTERS}")
        if term.group(2) and term.group(3):
            raise ValueError(f"filters apply to numbers, not labels: {m.group(0)!r}")
    if text.count("{{") != len(_EXPR_RE.findall(text)):
        raise ValueError(f"unbalanced '{{{{' in {text!r}")


def render(text: str, value: float | None, threshold: float, labels: Mapping[str, str]) -> str:
    """Render a checked template; a label that is absent renders as empty (as Prometheus)."""

    def sub(m: re.Match[str]) -> str:
        term = _TERM_RE.fullmatch(m.group(1))
        if term is None:  # unreachable for checked templates; keep the text visible
            return m.group(0)
        if term.group(2):
            return labels.get(term.group(2), "")
        number = value if term.group(1) == "value" else threshold
        return _apply(number, term.group(3))

    return _EXPR_RE.sub(sub, text)
