"""The demo's script as plain data: who calls, what they write, and what the primary
DeepSeek endpoint suffers at each step of simulated time.

Pure (a seeded RNG, no I/O, no clock), so the demo tells the same story on every run
and a test can read the timeline without running it. Simulated time advances in
ticks of 15 s, the interval of the shipped `deepseek-api` rule group, so every tick
ends with one rule evaluation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sentinel.testing import Fault

TICK = timedelta(seconds=15)
CALLS_PER_TICK = 6
WARMUP_TICKS = 12  # 3 simulated minutes of healthy traffic
INCIDENT_TICKS = 28  # 7 minutes: longer than DeepSeekHighErrorRate's `for: 5m`
RECOVERY_TICKS = 12  # 3 minutes: the alert resolves
TOTAL_TICKS = WARMUP_TICKS + INCIDENT_TICKS + RECOVERY_TICKS
# Ticks (from the incident's start) that open with a burst of 500s: the breaker opens.
BURST_TICKS = (0, 14)
# The account's balance (FakeDeepSeek's GET /user/balance) falls with the traffic, fast
# enough that DeepSeekBalanceRunsOut (under 24 h left at the burn rate) fires on the
# demo's clock; the daemon polls it every simulated minute.
BALANCE_POLL = timedelta(minutes=1)
BALANCE_START = 40.0  # USD
BALANCE_PER_TICK = 0.125  # 30 USD per hour: 40 USD last about 80 minutes
BACKUP_LATENCY = 0.045  # seconds: the backup region is farther away
MODEL = "deepseek-v4-flash"


@dataclass(frozen=True)
class Persona:
    """A customer of the demo's support bot; all of it is made-up personal data."""

    subject_id: str
    name: str
    email: str
    phone: str
    lang: str  # "en", "zh" or "mixed"
    resident_id: str = ""
    city: str = ""


PERSONAS = (
    Persona("user-1001", "Alice Johnson", "alice.johnson@example.com", "+1 415 555 0199", "en"),
    Persona(
        "user-1002",
        "王小明",
        "xiaoming.wang@example.cn",
        "13812345678",
        "zh",
        resident_id="110105198804123014",
        city="北京市朝阳区建国路88号",
    ),
    Persona("user-1003", "Carlos Mendes", "carlos.m@example.org", "+44 20 7946 0958", "en"),
    Persona(
        "user-1004",
        "李娜",
        "li.na@example.com.cn",
        "13987654321",
        "mixed",
        resident_id="310115199208174522",
        city="上海市浦东新区世纪大道100号",
    ),
    Persona("user-1005", "Priya Sharma", "priya.sharma@example.net", "+1 212 555 0147", "en"),
    Persona(
        "user-1006",
        "张伟",
        "zhang.wei@example.cn",
        "15011112222",
        "zh",
        resident_id="440305197909231188",
        city="深圳市南山区科技园",
    ),
)
# The data subject who asks for export and erasure in the GDPR step.
ERASED_SUBJECT = "user-1003"
# Whose conversation is shown before and after anonymization.
SHOWCASE_SUBJECT = "user-1004"

_EN = (
    "Hi, I'm {name}. My order hasn't arrived; you can reach me at {email} or {phone}.",
    "Please update the delivery address for {name}, phone {phone}. Thanks!",
    "This is {name} ({email}). Can you explain the refund policy for annual plans?",
    "Summarize my last three tickets. Contact: {email}.",
)
_ZH = (
    "你好，我是{name}，手机号{phone}，我的订单还没有到，请帮我查一下。",
    "我叫{name}，身份证号{resident_id}，想修改收货地址为{city}。",
    "请把发票发到{email}，联系人{name}，电话{phone}。",
)
_MIXED = (
    "Hello, 我是{name}. Please send the invoice to {email}; 电话 {phone}.",
    "My name is {name}, 地址 {city}. The app crashes when I upload a PDF.",
)
SYSTEM_PROMPT = "You are a helpful customer-support assistant. Answer briefly."


def prompt_for(persona: Persona, rng: random.Random) -> str:
    templates = {"en": _EN, "zh": _ZH, "mixed": _MIXED}[persona.lang]
    return rng.choice(templates).format(**persona.__dict__)


def phase_of(tick: int) -> str:
    if tick < WARMUP_TICKS:
        return "warm-up"
    if tick < WARMUP_TICKS + INCIDENT_TICKS:
        return "incident"
    return "recovery"


def _latency(rng: random.Random) -> float:
    """Seconds: mostly 10-40 ms on loopback, with a slow tail like a real API."""
    if rng.random() < 0.06:
        return rng.uniform(0.12, 0.30)
    return rng.lognormvariate(-3.6, 0.45)


def primary_faults(tick: int, rng: random.Random) -> list[Fault]:
    """What the primary endpoint does to the next requests of this tick, in order.

    Healthy: served, with an occasional 429 (retried by the client after Retry-After).
    Incident: a burst of 500s at BURST_TICKS (opens the breaker); otherwise a third of
    requests get 503 (the client fails over to the backup) and one in six a 500 (the
    call fails): an error rate of about 17%, over the rule's 5% threshold.
    """
    delays = [_latency(rng) for _ in range(CALLS_PER_TICK)]
    if phase_of(tick) != "incident":
        statuses: list[int | None] = [None] * CALLS_PER_TICK
        if tick % 3 == 1:
            statuses[rng.randrange(CALLS_PER_TICK)] = 429
    elif tick - WARMUP_TICKS in BURST_TICKS:
        statuses = [500] * CALLS_PER_TICK
    else:
        statuses = [503, None, 500, None, 503, None]
        rng.shuffle(statuses)
    faults = []
    for status, delay in zip(statuses, delays, strict=True):
        if status == 429:
            faults.append(Fault(status=429, retry_after=1.0, message="Rate limit reached"))
        elif status is not None:
            faults.append(Fault(status=status, delay=delay / 4, message="upstream overloaded"))
        else:
            faults.append(Fault(delay=delay))
    return faults


def balance_at(tick: int) -> float:
    """The account balance in USD at the start of `tick`."""
    return round(BALANCE_START - BALANCE_PER_TICK * tick, 2)
