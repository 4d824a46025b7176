"""List regexes against hostile text: shapes that backtrack catastrophically are refused
when the list loads (file, line and why), the accepted ones stay linear on text built to
make them backtrack, and a search that still runs out of time is counted every time but
logged once a minute per list line, never with the text."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from safety_support import Harness

from sentinel.clock import FakeClock
from sentinel.errors import ContentBlockedError
from sentinel.safety.lists import SafetyListError, load_lists
from sentinel.safety.matcher import Matcher
from sentinel.safety.timeouts import RegexTimeouts

MODEL = "deepseek-v4-flash"
# Accepted (no repeat inside a repeat), yet polynomial on a run of a's: what the search
# budget is still there for.
SLOW = r"a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}x{0,1}a{1,50}b"
HOSTILE = "a" * 1000 + "c b"


@pytest.mark.parametrize(
    ("regex", "why"),
    [
        (r"(a+)+$", "nested repetition"),
        (r"(a{1,10}){1,20}$", "nested repetition"),
        (r"(\w*)*x", "can match the empty text"),
        (r"(a|aa)+", "nested repetition"),
        (r"(?:a|aa){1,30}b", "nested repetition"),
        (r"(\w{1,9}\s?){1,9}", "nested repetition"),
        (r"x(y{1,5}y{1,5}){1,5}z", "nested repetition"),
        (r"((ab){1,3}a){1,4}", "nested repetition"),
    ],
)
def test_a_catastrophic_regex_is_refused_naming_file_line_and_why(
    tmp_path: Path, regex: str, why: str
) -> None:
    f = tmp_path / "slow.txt"
    f.write_text(f"# action: block\nplain\nre:{regex}\n", encoding="utf-8")
    with pytest.raises(SafetyListError) as info:
        load_lists([str(f)])
    [problem] = info.value.problems
    assert problem.startswith(f"{f}:3: regular expression can backtrack catastrophically: ")
    assert why in problem


ACCEPTED = [
    # (regex, a text built to make it backtrack as much as it can)
    (r"(\d{1,3}\.){3}\d{1,3}", "1." * 400),
    (r"(cat|dog){1,20}x", "catdog" * 150),
    (r"(cat|category){1,5}!", "category" * 100),
    (r"([^x]{1,5}x){1,4}y", "aaaax" * 160),
    (r"(?>a{1,9}){1,9}b", "a" * 800),
    (r"\bfree\s{1,3}money\b", "free   " * 120),
    (r"moron(s|ic){0,1}", "moronmoronic" * 70),
]


@pytest.mark.parametrize(("regex", "hostile"), ACCEPTED)
def test_an_accepted_regex_stays_linear_on_hostile_text(
    tmp_path: Path, regex: str, hostile: str
) -> None:
    f = tmp_path / "ok.txt"
    f.write_text(f"re:{regex}\n", encoding="utf-8")
    timeouts = RegexTimeouts()
    matcher = Matcher(load_lists([str(f)]), timeouts)

    def best(text: str) -> float:  # the fastest of a few runs: a loaded machine only adds
        runs = []
        for _ in range(7):
            started = time.perf_counter()
            matcher.scan_folded(text)
            runs.append(time.perf_counter() - started)
        return min(runs)

    short, long = best(hostile), best(hostile * 8)
    # 8x the text: 8x the time when linear; backtracking shapes grow far faster
    assert long < short * 40 + 0.002, (short, long)
    assert timeouts.counts == {}


def test_a_slow_accepted_regex_is_still_bounded_by_the_search_budget(tmp_path: Path) -> None:
    f = tmp_path / "slow.txt"
    f.write_text(f"# action: mask\nre:{SLOW}\n", encoding="utf-8")
    timeouts = RegexTimeouts()
    matcher = Matcher(load_lists([str(f)]), timeouts)
    started = time.monotonic()
    assert matcher.scan_folded(HOSTILE) == []  # a mask list skips it
    assert time.monotonic() - started < 10  # the budget is 50 ms; a loaded machine, more
    assert timeouts.counts == {("slow", "skipped"): 1}


def test_the_timeout_warning_is_rate_limited_per_list_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    timeouts = RegexTimeouts(clock)
    with caplog.at_level(logging.WARNING, logger="sentinel.safety"):
        for _ in range(1000):  # a sender repeating the hostile prompt
            timeouts.report("a.txt:3", "slow", True, 2000, 0.05)
        timeouts.report("b.txt:1", "other", False, 10, 0.05)  # another line: its own limit
        clock.advance(30)
        timeouts.report("a.txt:3", "slow", True, 2000, 0.05)
        clock.advance(31)
        timeouts.report("a.txt:3", "slow", True, 2000, 0.05)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3
    assert "a.txt:3" in warned[0] and "(0 more since" in warned[0]
    assert "b.txt:1" in warned[1] and "skipped" in warned[1]
    assert "a.txt:3" in warned[2] and "(1000 more since" in warned[2]
    assert timeouts.counts == {("slow", "matched"): 1002, ("other", "skipped"): 1}


def test_timeouts_are_counted_in_a_metric_and_logged_once(
    harness: Harness, lists_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (lists_dir / "slow-block.txt").write_text(
        f"# category: slow\n# action: block\nre:{SLOW}\n", "utf-8"
    )
    client = harness.client()
    with caplog.at_level(logging.WARNING, logger="sentinel.safety"):
        for _ in range(3):
            with pytest.raises(ContentBlockedError):
                client.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": HOSTILE}]
                )
    warned = [r.getMessage() for r in caplog.records if "ran out of time" in r.getMessage()]
    assert len(warned) == 1 and "slow-block.txt:3" in warned[0]
    assert "a" * 20 not in warned[0]  # the text itself is never logged
    points = {}
    data = harness.metrics.get_metrics_data()
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                if metric.name == "sentinel.safety.regex_timeouts":
                    for p in metric.data.data_points:
                        a = p.attributes
                        key = (a["sentinel.safety.category"], a["sentinel.safety.outcome"])
                        points[key] = p.value
    assert points == {("slow", "matched"): 3}
