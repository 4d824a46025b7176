"""Evaluates one rule group at one instant against the store: metrics in, persisted
alert state and notifications out.

State lives in the store's state entries, one per alert instance
(`alert:<group>:<fingerprint>`), so a restarted daemon — or the daemon that takes the
lease over — continues pending timers and knows what was already sent. The order is
persist-then-notify: a crash between the two can lose one notification but never
sends one twice. Each group also records its last evaluation time with a
compare-and-set (`rulegroup:<group>`), so an instant is evaluated at most once even if
two processes get there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter, Gauge, Histogram

from sentinel.rules.evaluator import AlertInstance, Transition, due_for_delivery, evaluate_rule
from sentinel.rules.metrics import MetricReader
from sentinel.rules.model import Group
from sentinel.rules.notifiers import Notification, Notifier
from sentinel.store.base import Store

log = logging.getLogger("sentinel.rules")

STATE_PREFIX = "alert:"
TICK_PREFIX = "rulegroup:"
# Prometheus' --rules.alert.resend-delay default.
DEFAULT_RESEND_DELAY = timedelta(minutes=1)

EVAL_SECONDS = Histogram(
    "sentinel_rule_evaluation_duration_seconds", "Duration of one rule group evaluation", ["group"]
)
EVAL_FAILURES = Counter(
    "sentinel_rule_evaluation_failures", "Rule group evaluations that raised", ["group"]
)
ALERTS = Gauge("sentinel_alerts", "Alert instances by state", ["alertname", "state"])


@dataclass(frozen=True)
class GroupEvaluation:
    group: str
    at: datetime
    active: list[AlertInstance]
    transitions: list[Transition]
    seconds: float


def state_key(group: str, fp: str) -> str:
    return f"{STATE_PREFIX}{group}:{fp}"


def load_active(store: Store, group: str | None = None) -> list[AlertInstance]:
    """Pending and firing instances persisted for one group (or all groups)."""
    prefix = STATE_PREFIX + (f"{group}:" if group else "")
    return [AlertInstance.from_dict(v) for _, v in store.list_state(prefix)]


class RuleEngine:
    def __init__(
        self,
        store: Store,
        notifiers: Sequence[Notifier],
        *,
        anonymize_within: timedelta,
        resend_delay: timedelta = DEFAULT_RESEND_DELAY,
    ) -> None:
        self.store = store
        self.notifiers = list(notifiers)
        self.anonymize_within = anonymize_within
        self.resend_delay = resend_delay

    def _claim(self, group: Group, now: datetime) -> bool:
        """True if this process may evaluate `group` at `now` (nobody did, at or after)."""
        key = TICK_PREFIX + group.name
        current = self.store.get_state(key)
        if current is not None and datetime.fromisoformat(current[0]["last_eval"]) >= now:
            return False
        return self.store.put_state(
            key, {"last_eval": now.isoformat()}, None if current is None else current[1]
        )

    def evaluate_group(self, group: Group, now: datetime) -> GroupEvaluation | None:
        """Evaluate every rule of `group` at `now`; None if `now` was already evaluated."""
        started = time.perf_counter()
        try:
            if not self._claim(group, now):
                return None
            result = self._evaluate(group, now, started)
        except Exception:
            EVAL_FAILURES.labels(group.name).inc()
            raise
        EVAL_SECONDS.labels(group.name).observe(result.seconds)
        return result

    def _evaluate(self, group: Group, now: datetime, started: float) -> GroupEvaluation:
        previous: dict[str, dict[str, AlertInstance]] = {}
        for inst in load_active(self.store, group.name):
            previous.setdefault(inst.alertname, {})[inst.fingerprint] = inst
        reader = MetricReader(self.store, now, self.anonymize_within)
        active: dict[str, AlertInstance] = {}
        transitions: list[Transition] = []
        for rule in group.rules:
            result = evaluate_rule(rule, previous.get(rule.alert, {}), reader.samples(rule), now)
            active.update(result.active)
            transitions.extend(result.transitions)
            for state in ("pending", "firing"):
                n = sum(1 for i in result.active.values() if i.state == state)
                ALERTS.labels(rule.alert, state).set(n)

        active, due = due_for_delivery(active, now, self.resend_delay)

        for fp, inst in active.items():
            self.store.set_state(state_key(group.name, fp), inst.to_dict())
        for by_fp in previous.values():
            for fp in by_fp.keys() - active.keys():
                self.store.delete_state(state_key(group.name, fp))

        notification = Notification(
            at=now,
            transitions=transitions,
            firing=due,
            valid_until=now + 4 * max(self.resend_delay, group.interval),
        )
        for notifier in self.notifiers:
            notifier.notify(notification)
        return GroupEvaluation(
            group.name, now, list(active.values()), transitions, time.perf_counter() - started
        )

    def close(self, timeout: float = 10.0) -> None:
        """Flush queued notifications (the daemon's graceful shutdown)."""
        for notifier in self.notifiers:
            notifier.close(timeout)
