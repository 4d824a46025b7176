"""`sentinel rules test`: rule unit tests in the spirit of `promtool test rules`.

Each test synthesises calls (evenly spaced, errors spread evenly) into a fresh
in-memory SQLite store (or a fresh store from `open_store`: the suite runs the shipped
tests on Elasticsearch too) and runs the real engine at every multiple of each group's
interval from 0, exactly as the daemon would, with the evaluation time as the only
clock. The state "at" a time is the state after the last evaluation at or before it.
Using the real store and engine means a passing rule test says something about
production, not about a model of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sentinel.balance import BalanceSample
from sentinel.durations import format_duration
from sentinel.models import CallRecord, CallSafety, Conversation, Feedback, Record
from sentinel.rules.engine import RuleEngine
from sentinel.rules.evaluator import AlertInstance
from sentinel.rules.loader import (
    Loc,
    RuleError,
    RuleLoadError,
    compose_with_lines,
    describe_error,
    line_of,
    load_rules,
)
from sentinel.rules.model import Duration, Group
from sentinel.store.base import CALL_LABELS, Store
from sentinel.store.sqlite import SQLiteStore

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # offset 0 of every test
_BATCH = 5_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Traffic(_Strict):
    """Synthetic calls from `start` (inclusive) to `end` (exclusive), evenly spaced."""

    labels: dict[str, str] = Field(default_factory=dict)
    start: Duration
    end: Duration
    per_minute: float = Field(gt=0)
    error_ratio: float = Field(default=0.0, ge=0, le=1)
    rate_limited_ratio: float = Field(default=0.0, ge=0, le=1)
    circuit_open_ratio: float = Field(default=0.0, ge=0, le=1)
    latency_ms: float = Field(default=200.0, ge=0)
    slow_ratio: float = Field(default=0.0, ge=0, le=1)  # this share takes slow_latency_ms
    slow_latency_ms: float = Field(default=2000.0, ge=0)
    score: float | None = None  # feedback score recorded for every call
    satisfied_ratio: float | None = Field(default=None, ge=0, le=1)
    conversations: bool = False  # store a raw (not anonymized) conversation per call
    flagged: dict[str, float] = Field(default_factory=dict)  # safety category -> share of calls
    cost: float | None = Field(default=None, ge=0)  # cost of every call, in `currency`
    currency: str = "USD"
    cache_hit_tokens: int | None = Field(default=None, ge=0)  # input tokens of every call
    cache_miss_tokens: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> Traffic:
        bad = [k for k in self.labels if k not in CALL_LABELS]
        if bad:
            raise ValueError(f"traffic labels {bad} are not call labels {list(CALL_LABELS)}")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class BalanceSeries(_Strict):
    """Polled balances from `start` to `end` (inclusive) every `every`, the total going
    linearly from `first` to `last` (is_available while it is above 0)."""

    currency: str = "USD"
    start: Duration
    end: Duration
    every: Duration
    first: float
    last: float

    @model_validator(mode="after")
    def _consistent(self) -> BalanceSeries:
        if self.end < self.start or self.every <= timedelta(0):
            raise ValueError("need end >= start and every > 0")
        return self

    def samples(self) -> Iterator[BalanceSample]:
        span = (self.end - self.start).total_seconds() or 1.0
        at = self.start
        while at <= self.end:
            total = self.first + (self.last - self.first) * (at - self.start).total_seconds() / span
            amounts = {self.currency: {"total": total, "topped_up": total}}
            yield BalanceSample(EPOCH + at, total > 0, amounts)
            at += self.every


class AlertExpectation(_Strict):
    at: Duration
    alertname: str
    firing: list[dict[str, str]] = Field(default_factory=list)


class TestCase(_Strict):
    name: str
    anonymize_within: Duration = timedelta(hours=72)
    traffic: list[Traffic] = Field(default_factory=list)
    balance: list[BalanceSeries] = Field(default_factory=list)
    alerts: list[AlertExpectation] = Field(min_length=1)


class TestFile(_Strict):
    rule_files: list[str] = Field(min_length=1)
    tests: list[TestCase] = Field(min_length=1)


@dataclass
class TestResult:
    file: str
    passed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _every(ratio: float, i: int) -> bool:
    """Whether call i gets a property that `ratio` of calls have, spread evenly
    (exact rational arithmetic, so 0.05 means exactly every 20th call)."""
    r = Fraction(str(ratio))
    return (r * (i + 1)).__floor__() > (r * i).__floor__()


def synthesize(traffic: Traffic, key: str) -> Iterator[Record]:
    spacing = Fraction(60) / Fraction(str(traffic.per_minute))
    span = Fraction(traffic.end.total_seconds()) - Fraction(traffic.start.total_seconds())
    n = int(span / spacing) + (0 if span % spacing == 0 else 1)
    labels = dict(traffic.labels)
    model = labels.pop("model", "deepseek-v4-flash")
    for i in range(n):
        ts = EPOCH + traffic.start + timedelta(seconds=float(i * spacing))
        rid = f"{key}-{i}"
        failed = _every(traffic.error_ratio, i)
        opened = _every(traffic.circuit_open_ratio, i)
        yield CallRecord(
            request_id=rid,
            timestamp=ts,
            model=model,
            outcome="failure" if failed or opened else "success",
            http_status=None if opened else (500 if failed else 200),
            error_type="CircuitOpenError" if opened else ("ServerError" if failed else None),
            duration_ms=traffic.slow_latency_ms
            if _every(traffic.slow_ratio, i)
            else traffic.latency_ms,
            rate_limited=_every(traffic.rate_limited_ratio, i),
            circuit_open=opened,
            safety=_safety(traffic.flagged, i),
            cost=traffic.cost,
            cost_currency=traffic.currency if traffic.cost is not None else None,
            cache_hit_tokens=traffic.cache_hit_tokens,
            cache_miss_tokens=traffic.cache_miss_tokens,
            **labels,
        )
        if traffic.score is not None or traffic.satisfied_ratio is not None:
            yield Feedback(
                request_id=rid,
                timestamp=ts,
                app=labels.get("app", "default"),
                model=model,
                score=traffic.score,
                satisfied=None
                if traffic.satisfied_ratio is None
                else _every(traffic.satisfied_ratio, i),
            )
        if traffic.conversations:
            yield Conversation(
                request_id=rid,
                timestamp=ts,
                app=labels.get("app", "default"),
                model=model,
                messages=[{"role": "user", "content": "synthetic"}],
            )


def _safety(flagged: dict[str, float], i: int) -> CallSafety | None:
    """What the safety filter found in call i: each category on its share of calls."""
    categories = sorted(c for c, ratio in flagged.items() if _every(ratio, i))
    if not categories:
        return None
    counts = dict.fromkeys(categories, 1)
    return CallSafety(categories=categories, action="flag", matches=len(counts), counts=counts)


def _matches(expected: Sequence[dict[str, str]], firing: Sequence[AlertInstance]) -> bool:
    if len(expected) != len(firing):
        return False
    left = list(firing)
    for exp in expected:
        hit = next((i for i in left if exp.items() <= i.labels.items()), None)
        if hit is None:
            return False
        left.remove(hit)
    return True


def _show(labels: Sequence[dict[str, str]]) -> str:
    return "[" + ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in sorted(d.items())) + "}"
                           for d in labels) + "]"  # fmt: skip


def _schedule(groups: Sequence[Group], until: timedelta) -> list[tuple[timedelta, Group]]:
    out = []
    for g in groups:
        k = 0
        while g.interval * k <= until:
            out.append((g.interval * k, g))
            k += 1
    return sorted(out, key=lambda e: e[0])


def _memory_store() -> Store:
    store = SQLiteStore(":memory:")
    store.setup()
    return store


def run_case(
    case: TestCase,
    groups: Sequence[Group],
    loc: Loc,
    lines: dict[Loc, int],
    file: str,
    open_store: Callable[[], Store] = _memory_store,
) -> list[str]:
    """Run one test in a fresh store; returns failure messages (empty when it passes)."""
    store = open_store()
    try:
        batch: list[Record] = []
        for ti, traffic in enumerate(case.traffic):
            for record in synthesize(traffic, f"t{ti}"):
                batch.append(record)
                if len(batch) >= _BATCH:
                    store.write_records(batch)
                    batch.clear()
        if batch:
            store.write_records(batch)
        samples = sorted((s for b in case.balance for s in b.samples()), key=lambda s: s.at)
        for sample in samples:
            store.write_balance(sample)
        store.refresh()
        engine = RuleEngine(store, [], anonymize_within=case.anonymize_within)
        known = {r.alert for g in groups for r in g.rules}
        expectations = sorted(enumerate(case.alerts), key=lambda e: e[1].at)
        until = max(e.at for e in case.alerts)
        active: dict[str, list[AlertInstance]] = {}
        failures: list[str] = []
        pending_checks = list(expectations)
        schedule = _schedule(groups, until)

        def check_through(offset: timedelta | None) -> None:
            while pending_checks and (offset is None or pending_checks[0][1].at < offset):
                ai, exp = pending_checks.pop(0)
                line = line_of(lines, (*loc, "alerts", ai))
                where = f"{file}:{line}: {case.name!r} at {format_duration(exp.at)}"
                if exp.alertname not in known:
                    failures.append(f"{where}: unknown alertname {exp.alertname!r}")
                    continue
                firing = [
                    i
                    for insts in active.values()
                    for i in insts
                    if i.alertname == exp.alertname and i.state == "firing"
                ]
                if not _matches(exp.firing, firing):
                    failures.append(
                        f"{where}: {exp.alertname}: expected firing {_show(exp.firing)}, "
                        f"got {_show([i.labels for i in firing])}"
                    )

        for offset, group in schedule:
            check_through(offset)
            result = engine.evaluate_group(group, EPOCH + offset)
            if result is not None:
                active[group.name] = result.active
        check_through(None)
        return failures
    finally:
        store.close()


def run_test_file(path: str | Path, open_store: Callable[[], Store] = _memory_store) -> TestResult:
    """Run every test of one file; problems with the file itself count as failures."""
    path = Path(path)
    result = TestResult(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        result.failures.append(f"{path}:0: cannot read: {exc.strerror or exc}")
        return result
    data, lines, errors = compose_with_lines(text, str(path))
    if not errors:
        try:
            spec = TestFile.model_validate(data)
        except ValidationError as exc:
            errors = [RuleError(str(path), line_of(lines, e["loc"]), describe_error(e))
                      for e in exc.errors()]  # fmt: skip
    if errors:
        result.failures.extend(str(e) for e in errors)
        return result
    try:
        rules = load_rules([path.parent / f for f in spec.rule_files])
    except RuleLoadError as exc:
        result.failures.extend(str(e) for e in exc.errors)
        return result
    for ti, case in enumerate(spec.tests):
        failures = run_case(case, rules.groups, ("tests", ti), lines, str(path), open_store)
        if failures:
            result.failures.extend(failures)
        else:
            result.passed.append(case.name)
    return result
