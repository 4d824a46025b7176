"""The alert state machine: pure, clock-free (the evaluation time is an argument), no I/O.

Semantics are Prometheus' alerting rules (docs/architecture.md, "The public contract"):

* an evaluation at t whose condition holds for a label set creates a *pending*
  instance active since t (or keeps an existing one, updating its value);
* a pending instance fires at the first evaluation with t - active_at >= `for`
  (at once when `for` is 0);
* one evaluation where the condition does not hold drops a pending instance
  (*inactive*) and resolves a firing one, unless `keep_firing_for` is set: then it
  keeps firing until that long after the condition first stopped holding;
* the condition is false when the metric is undefined (no calls) or fewer than
  `min_requests` calls are in the window; comparisons are exactly the rule's operator
  (`>` is strict, so 5% is not above 5%).

Resolved instances are not kept: the next holding evaluation starts a new pending one.
A firing instance is (re-)sent at its first evaluation and then whenever `resend_delay`
has passed since the last delivery (Prometheus' `--rules.alert.resend-delay`), so
Alertmanager keeps it alive while it fires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sentinel.rules.metrics import Sample
from sentinel.rules.model import Rule
from sentinel.rules.templates import render

ActiveState = Literal["pending", "firing"]
State = Literal["inactive", "pending", "firing", "resolved"]

_TIME_FIELDS = ("active_at", "fired_at", "keep_firing_since", "resolved_at", "last_sent_at")


def fingerprint(labels: Mapping[str, str]) -> str:
    """Stable identity of an alert instance: a hash of its sorted labels."""
    text = "\x00".join(f"{k}\x01{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AlertInstance:
    """One alert instance (rule x label set); what the engine persists between runs."""

    alertname: str
    fingerprint: str
    state: ActiveState | Literal["resolved"]
    labels: dict[str, str]
    annotations: dict[str, str]
    value: float | None
    active_at: datetime
    fired_at: datetime | None = None
    keep_firing_since: datetime | None = None
    resolved_at: datetime | None = None
    last_sent_at: datetime | None = None  # last delivery to Alertmanager (re-send cadence)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for k in _TIME_FIELDS:
            data[k] = data[k].isoformat() if data[k] else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlertInstance:
        values = dict(data)
        for k in _TIME_FIELDS:
            values[k] = datetime.fromisoformat(values[k]) if values.get(k) else None
        return cls(**values)


@dataclass(frozen=True)
class Transition:
    """A state change of one instance at one evaluation."""

    instance: AlertInstance  # as it is after the change
    previous: State
    state: State
    at: datetime


@dataclass(frozen=True)
class RuleResult:
    active: dict[str, AlertInstance]  # by fingerprint: pending and firing instances
    transitions: list[Transition]


def _holding(rule: Rule, samples: Sequence[Sample]) -> dict[str, tuple[dict[str, str], float]]:
    out: dict[str, tuple[dict[str, str], float]] = {}
    for s in samples:
        if s.value is None or s.count < rule.min_requests or not rule.holds(s.value):
            continue
        labels = {**s.labels, **rule.labels, "alertname": rule.alert}
        out[fingerprint(labels)] = (labels, s.value)
    return out


def evaluate_rule(
    rule: Rule,
    previous: Mapping[str, AlertInstance],
    samples: Sequence[Sample],
    now: datetime,
) -> RuleResult:
    """Advance every instance of `rule` by one evaluation at `now`."""
    active: dict[str, AlertInstance] = {}
    transitions: list[Transition] = []
    holding = _holding(rule, samples)

    for fp, (labels, value) in holding.items():
        annotations = {
            k: render(t, value, rule.threshold, labels) for k, t in rule.annotations.items()
        }
        prev = previous.get(fp)
        if prev is None:
            inst = AlertInstance(rule.alert, fp, "pending", labels, annotations, value, now)
            transitions.append(Transition(inst, "inactive", "pending", now))
        else:
            inst = replace(prev, value=value, annotations=annotations, keep_firing_since=None)
        if inst.state == "pending" and now - inst.active_at >= rule.for_:
            before = inst.state
            inst = replace(inst, state="firing", fired_at=now)
            transitions.append(Transition(inst, before, "firing", now))
        active[fp] = inst

    for fp, prev in previous.items():
        if fp in holding:
            continue
        if prev.state == "pending":
            transitions.append(Transition(prev, "pending", "inactive", now))
            continue
        since = prev.keep_firing_since or now
        if now - since < rule.keep_firing_for:
            active[fp] = replace(prev, keep_firing_since=since)
            continue
        resolved = replace(prev, state="resolved", resolved_at=now, keep_firing_since=None)
        transitions.append(Transition(resolved, "firing", "resolved", now))

    return RuleResult(active=active, transitions=transitions)


def due_for_delivery(
    active: Mapping[str, AlertInstance], now: datetime, resend_delay: timedelta
) -> tuple[dict[str, AlertInstance], list[AlertInstance]]:
    """The instances with the due ones' `last_sent_at` set to `now`, and the due ones:
    firing instances never sent, or last sent `resend_delay` or more ago."""
    stamped = dict(active)
    due: list[AlertInstance] = []
    for fp, inst in active.items():
        if inst.state == "firing" and (
            inst.last_sent_at is None or now - inst.last_sent_at >= resend_delay
        ):
            stamped[fp] = inst = replace(inst, last_sent_at=now)
            due.append(inst)
    return stamped, due
