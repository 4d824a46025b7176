"""Letting calls run while a reload works: a list reload is pure Python and C holding
the GIL, and a thread waiting for the GIL gets it back only after the switch interval
(5 ms) each time, so every call made during a 50,000-term reload waited 5-20 ms per
GIL hand-over, and some far longer. The reload calls a `Pause` in its loops; every
millisecond of work it sleeps briefly, which hands the GIL to whoever waits for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

WORK = 0.001  # seconds of reload work between two pauses
REST = 0.0005  # a sleep long enough for a waiting thread to take the GIL


class Pause:
    __slots__ = ("_last", "rest", "work")

    def __init__(self, work: float = WORK, rest: float = REST) -> None:
        self.work = work
        self.rest = rest
        self._last = time.perf_counter()

    def __call__(self) -> None:
        now = time.perf_counter()
        if now - self._last >= self.work:
            time.sleep(self.rest)
            self._last = time.perf_counter()


def never() -> None:
    """No pause: loading at start, when no call is waiting."""


Pauser = Callable[[], None]
