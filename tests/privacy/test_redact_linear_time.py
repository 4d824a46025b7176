"""Hostile input must cost about linear time: one large conversation must not block the
anonymization job. A line of thousands of place names the NER finds ("Springfield,
Springfield, ...") once cost time quadratic in its length inside one analysis window:
each entity rebuilt its clause's whole text, and each place was compared with every
other finding. CPU time, ratios only, best of three rounds, lengths 12x apart, so a
loaded machine does not decide the result."""

from __future__ import annotations

import time

from sentinel.privacy.redactor import Redactor


def cpu_per_char(redactor: Redactor, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        redactor.redact(text)
        best = min(best, time.process_time() - start)
    return best / len(text)


def test_a_line_of_repeated_place_names_costs_linear_time(redactor: Redactor) -> None:
    small = "Springfield, " * 300  # ~4 KB
    large = "Springfield, " * 3_600  # ~47 KB, still one analysis window
    # the quadratic terms made the cost per char grow with the line (2.5x from 8 to
    # 32 KB); linear stays near 1 whatever the load
    assert cpu_per_char(redactor, large) < 2.5 * cpu_per_char(redactor, small)
