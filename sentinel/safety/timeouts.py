"""A list regex that ran out of time: counted every time, logged at most once a minute
per list line.

Whoever sends the text decides whether a regex runs out of time, so a warning per
occurrence would let any sender flood the logs (and, for a block list, whose timeouts
count as matches, do so with every refused prompt). The counter (`sentinel.safety.
regex_timeouts`, by category and outcome) keeps every occurrence; the log keeps one line
per list line and minute, with how many were not logged since. The text itself is never
logged, only its length.
"""

from __future__ import annotations

import logging
import threading

from sentinel.clock import SYSTEM_CLOCK, Clock

log = logging.getLogger("sentinel.safety")
LOG_EVERY = 60.0  # seconds between two warnings about one list line


class RegexTimeouts:
    """Shared by every generation of lists, so a reload does not reset the limit."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK, every: float = LOG_EVERY) -> None:
        self._clock = clock
        self.every = every
        self._lock = threading.Lock()
        self._logged: dict[str, float] = {}  # list line -> when it was last logged
        self._unlogged: dict[str, int] = {}  # list line -> occurrences not logged since
        self.counts: dict[tuple[str, str], int] = {}  # (category, outcome) -> occurrences

    def report(self, where: str, category: str, closed: bool, size: int, budget: float) -> None:
        """One search of the regex at `where` (file:line) gave up on a `size`-character
        text; `closed`: it was taken as a match (a block list)."""
        outcome = "matched" if closed else "skipped"
        now = self._clock.monotonic()
        with self._lock:
            key = (category, outcome)
            self.counts[key] = self.counts.get(key, 0) + 1
            last = self._logged.get(where)
            if last is not None and now - last < self.every:
                self._unlogged[where] = self._unlogged.get(where, 0) + 1
                return
            self._logged[where] = now
            unlogged = self._unlogged.pop(where, 0)
        log.warning(
            "safety regex at %s ran out of time (%s s) on a %d-character text and was %s:"
            " rewrite it without nested or adjacent repeats (%d more since the last warning"
            " about it; all are counted in sentinel.safety.regex_timeouts)",
            where, budget, size,
            "taken as a match (block list)" if closed else "skipped", unlogged,
        )  # fmt: skip

    def totals(self) -> list[tuple[tuple[str, str], int]]:
        with self._lock:
            return list(self.counts.items())
