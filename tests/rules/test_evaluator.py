"""The pure state machine, driven evaluation by evaluation with exact times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sentinel.clock import FakeClock
from sentinel.rules.evaluator import AlertInstance, due_for_delivery, evaluate_rule, fingerprint
from sentinel.rules.metrics import Sample
from sentinel.rules.model import Rule
from sentinel.rules.templates import check_template, render

STEP = timedelta(seconds=15)


def rule(**kw: Any) -> Rule:
    base: dict[str, Any] = {
        "alert": "HighErrors",
        "metric": "error_rate",
        "window": "1m",
        "op": ">",
        "threshold": 0.05,
        "min_requests": 10,
        "for": "1m",
        "labels": {"severity": "page"},
        "annotations": {"summary": "{{ value | percent }} on {{ labels.model }}"},
    }
    return Rule.model_validate(base | kw)


class Driver:
    """Feeds one sample per evaluation and records states, like the engine does."""

    def __init__(self, r: Rule) -> None:
        self.rule = r
        self.clock = FakeClock()
        self.active: dict[str, AlertInstance] = {}
        self.log: list[tuple[timedelta, str, str]] = []
        self.t = timedelta(0)

    def step(self, *samples: Sample) -> set[str]:
        now = self.clock.now()
        result = evaluate_rule(self.rule, self.active, samples, now)
        self.active = result.active
        self.log += [(self.t, t.previous, t.state) for t in result.transitions]
        self.clock.advance(STEP)
        self.t += STEP
        return {i.state for i in self.active.values()}


def bad(value: float = 0.1, count: int = 60, **labels: str) -> Sample:
    return Sample(labels or {"model": "deepseek-v4-flash"}, value, count)


def test_pending_then_firing_exactly_at_for() -> None:
    d = Driver(rule())
    assert d.step(bad()) == {"pending"}
    for _ in range(3):
        assert d.step(bad()) == {"pending"}
    assert d.step(bad()) == {"firing"}  # 60s after active_at: t - active_at >= for
    assert d.log == [
        (timedelta(0), "inactive", "pending"),
        (timedelta(minutes=1), "pending", "firing"),
    ]
    inst = next(iter(d.active.values()))
    assert inst.active_at == FakeClock().now()
    assert inst.fired_at == FakeClock().now() + timedelta(minutes=1)
    assert inst.labels == {
        "alertname": "HighErrors",
        "model": "deepseek-v4-flash",
        "severity": "page",
    }
    assert inst.annotations == {"summary": "10% on deepseek-v4-flash"}


def test_zero_for_fires_at_the_first_evaluation() -> None:
    d = Driver(rule(**{"for": "0s"}))
    assert d.step(bad()) == {"firing"}
    assert [s for _, _, s in d.log] == ["pending", "firing"]


def test_one_false_evaluation_resets_pending() -> None:
    d = Driver(rule())
    d.step(bad()), d.step(bad()), d.step(bad())
    assert d.step(bad(0.01)) == set()
    assert d.log[-1][1:] == ("pending", "inactive")
    for _ in range(4):
        assert d.step(bad()) == {"pending"}  # the timer restarted
    assert d.step(bad()) == {"firing"}


def test_strict_comparison_min_requests_and_missing_data() -> None:
    d = Driver(rule())
    assert d.step(bad(0.05)) == set()  # exactly the threshold: not above it
    assert d.step(bad(0.5, count=9)) == set()  # under min_requests
    assert d.step(Sample({"model": "x"}, None, 0)) == set()  # no calls: undefined
    assert d.step() == set()  # the series is absent
    assert d.log == []


def test_resolves_and_a_new_episode_starts_pending() -> None:
    d = Driver(rule(**{"for": "0s"}))
    d.step(bad())
    assert d.step(bad(0.0)) == set()
    resolved = d.log[-1]
    assert resolved[1:] == ("firing", "resolved")
    assert d.step(bad()) == {"firing"}
    assert [s for _, _, s in d.log] == ["pending", "firing", "resolved", "pending", "firing"]


def test_keep_firing_for_holds_then_resolves() -> None:
    d = Driver(rule(**{"for": "0s", "keep_firing_for": "30s"}))
    d.step(bad())
    assert d.step(bad(0.0)) == {"firing"}  # condition stopped at t=15s
    assert d.step(bad(0.0)) == {"firing"}  # 15s < 30s
    assert d.step(bad(0.0)) == set()  # 30s after it stopped: resolved
    assert d.log[-1] == (timedelta(seconds=45), "firing", "resolved")
    d2 = Driver(rule(**{"for": "0s", "keep_firing_for": "30s"}))
    d2.step(bad()), d2.step(bad(0.0)), d2.step(bad())  # recovered in time: clock resets
    assert d2.step(bad(0.0)) == {"firing"}
    assert d2.step(bad(0.0)) == {"firing"}


def test_group_by_gives_independent_instances() -> None:
    d = Driver(rule(**{"for": "0s"}))
    d.step(bad(model="a"), bad(model="b"))
    assert len(d.active) == 2
    d.step(bad(model="a"), bad(0.0, model="b"))
    assert [i.labels["model"] for i in d.active.values()] == ["a"]
    assert d.log[-1][2] == "resolved"
    fp = fingerprint({"alertname": "HighErrors", "model": "a", "severity": "page"})
    assert set(d.active) == {fp}


def test_rule_labels_override_group_labels_and_state_round_trips() -> None:
    d = Driver(rule(**{"for": "0s", "labels": {"model": "pinned"}}))
    d.step(bad(model="a"))
    inst = next(iter(d.active.values()))
    assert inst.labels["model"] == "pinned"
    assert AlertInstance.from_dict(inst.to_dict()) == inst


def test_templates_render_human_formats() -> None:
    labels = {"model": "deepseek-v4-flash"}
    assert render("{{ value | percent }}", 0.1234, 0.05, labels) == "12.3%"
    assert render("{{value|duration}} late", 5400.0, 0, labels) == "1h30m late"
    assert render("{{ value }} ms > {{ threshold }}", 812.456, 800, labels) == "812.5 ms > 800"
    assert render("{{ labels.model }}/{{ labels.app }}", None, 0, labels) == "deepseek-v4-flash/"
    assert render("{{ value }}", None, 0, labels) == "n/a"
    for bad_text in ("{{ value | json }}", "{{ labels.model | percent }}", "{{ value", "{{ x }}"):
        try:
            check_template(bad_text)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad_text!r}")


def test_a_firing_instance_is_sent_at_once_then_every_resend_delay() -> None:
    driver = Driver(rule(**{"for": "0s"}))
    driver.step(Sample({"model": "m"}, 0.5, 20))
    assert {i.state for i in driver.active.values()} == {"firing"}
    start, delay = driver.clock.now(), timedelta(minutes=1)
    sent: list[timedelta] = []
    active = driver.active
    for seconds in range(0, 181, 15):
        now = start + timedelta(seconds=seconds)
        active, due = due_for_delivery(active, now, delay)
        assert all(i.last_sent_at == now for i in due)
        sent += [now - start for _ in due]
    assert sent == [timedelta(minutes=m) for m in range(4)]


def test_a_pending_instance_is_never_due() -> None:
    driver = Driver(rule())
    driver.step(Sample({"model": "m"}, 0.5, 20))
    stamped, due = due_for_delivery(driver.active, driver.clock.now(), timedelta(0))
    assert due == [] and stamped == driver.active
