"""The process's content safety filter: the lists of SENTINEL_SAFETY_LISTS, loaded at
start (a bad list is a ConfigurationError naming file and line, so the client, proxy
or daemon refuses to start with it) and reloaded when a file changes.

A watcher thread polls the files' mtimes every SENTINEL_SAFETY_RELOAD and builds the
new automaton off the call path; calls keep using the old one until the new one is
swapped in whole. An edit that makes a list invalid is logged (file and line) and
the lists in force stay in force: a typo must not switch the filter off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from opentelemetry.metrics import CallbackOptions, MeterProvider
from opentelemetry.metrics import Observation as Measured

from sentinel.safety.guard import INPUT, OUTPUT, Call, CallGuard, Direction
from sentinel.safety.lists import SafetyListError, list_files, parse_files, signature
from sentinel.safety.matcher import Matcher
from sentinel.safety.pause import Pause
from sentinel.safety.timeouts import RegexTimeouts

log = logging.getLogger("sentinel.safety")
METRIC_MATCHES = "sentinel.safety.matches"
METRIC_TIMEOUTS = "sentinel.safety.regex_timeouts"


class _Loaded:
    """One generation of lists: the matcher and each direction's categories."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.sides = {d: Direction(matcher, d) for d in (INPUT, OUTPUT)}


class SafetyFilter:
    def __init__(self, specs: Sequence[str], *, reload_every: float = 2.0) -> None:
        self.specs = list(specs)
        self.reload_every = reload_every
        files = list_files(self.specs)
        self._signature = signature(files, self.specs)
        self._rejected: object = None  # an invalid edit or a missing file, logged once
        self.timeouts = RegexTimeouts()
        self._loaded = _Loaded(Matcher(parse_files(files), self.timeouts))
        self._counts: dict[tuple[str, str, str], int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        if reload_every > 0:
            threading.Thread(target=self._watch, name="sentinel-safety-reload", daemon=True).start()

    def count_on(self, meter_provider: MeterProvider) -> None:
        """Count matches (`sentinel.safety.matches`) on the client's meter provider. An
        observable counter over totals kept here, as the client's request counter: a
        synchronous Counter.add costs ~25 us in the SDK, more than screening 1 KB."""
        meter = meter_provider.get_meter("sentinel.safety")
        try:
            meter.create_observable_counter(
                METRIC_MATCHES, [self._observe], unit="{match}",
                description="Safety list matches by category, action and direction",
            )  # fmt: skip
            meter.create_observable_counter(
                METRIC_TIMEOUTS, [self._observe_timeouts], unit="{search}",
                description="List regex searches that ran out of time, by category and"
                " outcome (matched: a block list failing closed; skipped)",
            )  # fmt: skip
        except Exception:  # a broken meter: screening goes on, nobody reads the counts
            log.debug("safety counter unavailable", exc_info=True)

    def _observe(self, _: CallbackOptions) -> Iterable[Measured]:
        with self._lock:
            counts = list(self._counts.items())
        return [
            Measured(
                n,
                {
                    "sentinel.safety.category": category,
                    "sentinel.safety.action": action,
                    "sentinel.safety.direction": direction,
                },
            )
            for (category, action, direction), n in counts
        ]

    def _observe_timeouts(self, _: CallbackOptions) -> Iterable[Measured]:
        return [
            Measured(n, {"sentinel.safety.category": category, "sentinel.safety.outcome": outcome})
            for (category, outcome), n in self.timeouts.totals()
        ]

    @property
    def matcher(self) -> Matcher:
        return self._loaded.matcher

    def begin(self, call: Call) -> CallGuard | None:
        """The guard for one call, or None while the lists hold no entry."""
        loaded = self._loaded  # one generation for the whole call
        if loaded.matcher.empty:
            return None
        return CallGuard(loaded.matcher, loaded.sides, call, self._count)

    def _count(self, category: str, action: str, direction: str, n: int) -> None:
        key = (category, action, direction)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + n

    def check(self) -> bool:
        """Reload if a list changed; True if a new generation is in force."""
        try:
            files = list_files(self.specs)
        except SafetyListError as exc:  # a named file is gone: logged once, not every poll
            if self._rejected != (message := str(exc)):
                self._rejected = message
                log.error("safety lists not reloaded, the previous ones stay in force: %s", exc)
            return False
        if isinstance(self._rejected, str):
            self._rejected = None  # back: its next disappearance is news again
        try:
            sig = signature(files, self.specs)
            if sig in (self._signature, self._rejected):
                return False
            self._rejected = sig
            lists = parse_files(files, Pause())
        except SafetyListError as exc:
            log.error("safety lists not reloaded, the previous ones stay in force: %s", exc)
            return False
        except OSError as exc:
            log.error("safety lists not reloaded: %s", exc)
            return False
        self._loaded = _Loaded(Matcher(lists, self.timeouts, Pause()))
        self._signature, self._rejected = sig, None
        log.info(
            "safety lists reloaded: %d terms, %d patterns, categories %s",
            len(lists.terms),
            len(lists.patterns),
            ", ".join(sorted(lists.policies)) or "none",
        )
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.reload_every):
            try:
                self.check()
            except Exception:
                log.exception("safety list reload failed")

    def close(self) -> None:
        self._stop.set()


def safety_filter(specs: Sequence[str], reload_every: float) -> SafetyFilter | None:
    """The filter for SENTINEL_SAFETY_LISTS, or None when no list is configured."""
    if not specs:
        return None
    return SafetyFilter(specs, reload_every=reload_every)
