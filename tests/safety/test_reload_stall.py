"""Reloading a 50,000-term list while calls are screened: the calls keep using the lists
in force until the new ones are swapped in whole, and they are not held up by the
reload's work (which holds the GIL: a thread waiting for it used to get it back only
after the switch interval, every time). Measured as ratios, so a loaded machine only
makes both sides slower.

The yardsticks (calls alone, calls beside a thread that only computes) are taken in short
windows interleaved with the reload's, the reload held at one of its pauses meanwhile:
taken once before a reload of several seconds, they saw another load of the machine than
the reload did (a shared machine's load moves by several times within seconds). And the
interpreter's switch interval is raised while measuring (SWITCH_S), so a thread that never
lets go stands apart from the machine's own scheduling delay however loaded it is."""

from __future__ import annotations

import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sentinel.safety import filter as safety_filter
from sentinel.safety.filter import SafetyFilter
from sentinel.safety.pause import Pause

CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]
WINDOW_S = 0.05  # each window of calls beside the reload, and alone
HOG_WINDOW_S = 0.15  # beside the hog: several switch intervals
# The interpreter's switch interval while measuring (5 ms by default): a thread that never
# lets go of the GIL holds a waiting call that long. At load 20 a 1 ms sleep took 5 ms, as
# long as that, so calls alone, beside the reload and beside a hog waited alike (4.2, 5.5,
# 5.9 ms); at 20 ms only the reload's own hand-overs let a call through sooner.
SWITCH_S = 0.02


class Gate(Pause):
    """The reload's own pause, which the test can also hold shut: the reload then waits
    at its next pause (holding no GIL) while the test measures the yardsticks."""

    opened = threading.Event()
    parked = threading.Event()
    held = 0.0  # seconds the reload waited at the gate

    def __call__(self) -> None:
        if not Gate.opened.is_set():
            started = time.perf_counter()
            Gate.parked.set()
            Gate.opened.wait()
            Gate.held += time.perf_counter() - started
        super().__call__()


def big_list(path: Path, rng: random.Random, extra: str = "") -> list[str]:
    terms: set[str] = set()
    while len(terms) < 25_000:
        terms.add("".join(rng.choice(CJK) for _ in range(rng.randint(2, 5))))
    while len(terms) < 50_000:
        terms.add("".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(6, 11))))
    ordered = sorted(terms)
    path.write_text("# action: mask\n" + "\n".join(ordered) + "\n" + extra, encoding="utf-8")
    return ordered


def test_calls_are_not_held_up_by_a_reload_of_a_huge_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(6)
    f = tmp_path / "huge.txt"
    terms = big_list(f, rng)
    screen = SafetyFilter([str(f)], reload_every=0)
    text = ("brandnewterm " + "".join(rng.choice(terms) + " 的 " for _ in range(120)))[:1024]
    saw: set[bool] = set()

    def call() -> None:
        """A 1 KB screening; whether it saw the new term."""
        _, matches = screen.matcher.scan(text)
        saw.add(any(m.end - m.start == len("brandnewterm") for m in matches))

    def calls(seconds: float, keep_going: Callable[[], bool] = lambda: True) -> list[float]:
        """How long each call waited beyond its own 1 ms sleep (a call every millisecond,
        what the GIL let it do), for `seconds`."""
        gaps = []
        until = last = time.perf_counter()
        until += seconds
        while last < until and keep_going():
            time.sleep(0.001)
            call()
            now = time.perf_counter()
            gaps.append(now - last - 0.001)
            last = now
        return gaps

    calls(0.2)
    assert saw == {False}
    saw.clear()
    f.write_text(f.read_text(encoding="utf-8") + "brandnewterm\n", encoding="utf-8")
    monkeypatch.setattr(safety_filter, "Pause", Gate)
    Gate.opened.set()
    Gate.parked.clear()
    Gate.held = 0.0
    took: list[float] = []

    def reload() -> None:
        started = time.perf_counter()
        assert screen.check()
        took.append(time.perf_counter() - started - Gate.held)  # its own work only

    def hog(until: float) -> None:  # a thread that only computes: what the reload was
        while time.perf_counter() < until:
            sum(range(1000))

    during: list[float] = []
    alone: list[float] = []
    beside_hog: list[float] = []
    worker = threading.Thread(target=reload)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_S)
    try:
        worker.start()
        while worker.is_alive():
            during += calls(WINDOW_S, worker.is_alive)
            Gate.opened.clear()  # park the reload at its next pause for the yardsticks
            while not Gate.parked.wait(0.01) and worker.is_alive():
                pass
            if not worker.is_alive():
                break
            alone += calls(WINDOW_S)
            hogging = threading.Thread(target=hog, args=(time.perf_counter() + HOG_WINDOW_S,))
            hogging.start()
            beside_hog += calls(WINDOW_S, hogging.is_alive)
            hogging.join()
            Gate.parked.clear()
            Gate.opened.set()
        Gate.opened.set()
        worker.join()
    finally:
        Gate.opened.set()
        sys.setswitchinterval(switch)
    assert took, "the reload failed"
    assert saw <= {False, True}  # the old lists, then (maybe) the new ones whole
    saw.clear()
    call()
    assert saw == {True}
    assert len(during) > 50 and len(beside_hog) > 10, (len(during), len(beside_hog))

    # A call waits at most a short stretch of reload work (1 ms), not a GIL switch
    # interval per hand-over as beside a thread that never lets go: before, calls
    # during a reload waited like that (10-20 ms at the median on a loaded machine)
    typical, hogged = statistics.median(during), statistics.median(beside_hog)
    assert typical < 0.5 * hogged, (typical, hogged, took)
    # the yardstick did hold the GIL: calls beside it wait far longer than alone
    assert hogged > statistics.median(alone) + SWITCH_S / 2
    # and no call is stopped for a large part of the reload (the automaton's last step,
    # its failure links, is the one stretch that cannot be interrupted)
    assert max(during) < 0.5 * took[0], (max(during), took)
