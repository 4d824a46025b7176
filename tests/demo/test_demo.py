"""`sentinel demo` end to end, as a newcomer runs it: a subprocess with a time bound,
then the store it leaves behind is checked against what the summary claims, and the
`sentinel serve` command it prints is run to see the demo's traffic on /v1/status."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loopback import free_port

from sentinel.demo import scenario
from sentinel.demo.summary import traffic
from sentinel.models import CallRecord
from sentinel.store.sqlite import SQLiteStore

DEMO_TIMEOUT = 180  # a bound, not a target (the demo itself reports its duration)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SENTINEL_", "DEEPSEEK_", "OTEL_"))}  # fmt: skip
    env.update(XDG_DATA_HOME=str(tmp_path / "xdg"), COLUMNS="120", **extra)
    return env


def _summary_value(output: str, label: str) -> str:
    match = re.search(rf"^\W*{re.escape(label)}\s+(\S+)", output, re.MULTILINE)
    assert match, f"{label!r} missing from the summary:\n{output}"
    return match.group(1)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("demo")
    directory = tmp / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel.cli", "demo", "--dir", str(directory)],
        capture_output=True, text=True, timeout=DEMO_TIMEOUT, env=_env(tmp), check=False,
    )  # fmt: skip
    return {"proc": proc, "dir": directory, "tmp": tmp}


def test_demo_exits_0_and_tells_the_whole_story(demo_run: dict[str, Any]) -> None:
    proc = demo_run["proc"]
    out = proc.stdout
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    for line in (
        "INCIDENT",
        "circuit breaker OPEN",
        "alert DeepSeekHighErrorRate PENDING",
        "alert DeepSeekHighErrorRate FIRING",
        "alert DeepSeekHighErrorRate RESOLVED",
        "balance poll: 39.62 USD",
        "alert DeepSeekBalanceRunsOut PENDING",
        "alert DeepSeekBalanceRunsOut FIRING",
        "stored conversation, before",
        "after the anonymization job",
        "export after erasure: 0 records",
        "hash chain intact",
        "Summary",
    ):
        assert line in out, f"{line!r} missing:\n{out}"
    # the incident's timing follows the rule: pending at its start, firing 5 minutes later
    pending = re.search(r"(\d\d):(\d\d)\s+alert DeepSeekHighErrorRate PENDING", out)
    firing = re.search(r"(\d\d):(\d\d)\s+alert DeepSeekHighErrorRate FIRING", out)
    assert pending and firing
    to_s = lambda m: int(m.group(1)) * 60 + int(m.group(2))  # noqa: E731
    assert to_s(firing) - to_s(pending) == 300
    # the balance alert: pending once three polls show the burn, firing its `for: 5m` later
    pending = re.search(r"(\d\d):(\d\d)\s+alert DeepSeekBalanceRunsOut PENDING", out)
    firing = re.search(r"(\d\d):(\d\d)\s+alert DeepSeekBalanceRunsOut FIRING", out)
    assert pending and firing and to_s(firing) - to_s(pending) == 300
    # the before/after panels: the showcase customer's e-mail before, a placeholder after
    persona = next(p for p in scenario.PERSONAS if p.subject_id == scenario.SHOWCASE_SUBJECT)
    assert persona.email in out and "<EMAIL_ADDRESS_1>" in out and "<PERSON_1>" in out


def test_summary_matches_the_store_left_behind(demo_run: dict[str, Any]) -> None:
    out, directory = demo_run["proc"].stdout, demo_run["dir"]
    store = SQLiteStore(directory / "sentinel.db")
    try:
        calls = int(_summary_value(out, "calls"))
        erased = int(_summary_value(out, "erased"))
        anonymized = int(_summary_value(out, "conversations anonymized"))
        assert calls == scenario.TOTAL_TICKS * scenario.CALLS_PER_TICK
        # erasure removed the subject's calls, conversations and feedback: the rest remain
        removed = re.search(r"sqlite (\d+)", out)
        erased_calls = re.search(r'"call": (\d+)', out)
        assert removed and erased_calls and int(removed.group(1)) < erased
        assert store.count("call") == calls - int(erased_calls.group(1))
        assert anonymized == calls  # every conversation was raw and is now anonymized
        assert store.oldest_raw_conversation() is None
        # the numbers shown equal those recomputed from what is stored
        now = datetime.now(UTC)
        stats = store.call_stats(now - timedelta(hours=1), now + timedelta(minutes=1))
        assert stats and stats[0].total == store.count("call")
        events = store.list_alert_events(limit=1000)
        states = Counter((e.alertname, e.state) for e in events)
        fired = int(_summary_value(out, "alerts fired"))
        assert fired == sum(n for (_, state), n in states.items() if state == "firing") >= 2
        assert states[("DeepSeekHighErrorRate", "firing")] == 1
        breaker_opens = int(_summary_value(out, "breaker opens"))
        assert breaker_opens == len(scenario.BURST_TICKS)
        assert _summary_value(out, "telemetry") == str(calls)  # spans, one per call
        assert len((directory / "calls.log.jsonl").read_text().splitlines()) == calls
    finally:
        store.close()


def test_no_personal_data_of_the_erased_subject_is_left(demo_run: dict[str, Any]) -> None:
    directory = demo_run["dir"]
    persona = next(p for p in scenario.PERSONAS if p.subject_id == scenario.ERASED_SUBJECT)
    for path in directory.rglob("*"):
        if path.is_file() and path.suffix != ".jsonl":  # ECS call lines carry no subject id
            data = path.read_bytes()
            for needle in (persona.subject_id, persona.email, persona.name):
                assert needle.encode() not in data, (needle, path)
    # and no raw PII of anyone in the anonymized conversations
    db = (directory / "sentinel.db").read_bytes()
    for p in scenario.PERSONAS:
        assert p.email.encode() not in db, p.subject_id


def test_audit_chain_verifies_from_the_cli(demo_run: dict[str, Any]) -> None:
    directory, tmp = demo_run["dir"], demo_run["tmp"]
    env = _env(tmp, SENTINEL_STORE=f"sqlite:///{directory / 'sentinel.db'}")
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel.cli", "audit", "verify"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "intact" in proc.stdout


def _wait_status(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def test_printed_serve_command_shows_the_demo_on_the_status_page(demo_run: dict[str, Any]):
    out, directory, tmp = demo_run["proc"].stdout, demo_run["dir"], demo_run["tmp"]
    flat = " ".join(out.split())  # the panel may wrap the command
    match = re.search(r"(SENTINEL_STORE=\S+) (\S+) serve", flat)
    assert match, out[-2000:]
    store_assignment = match.group(1)
    assert store_assignment == f"SENTINEL_STORE=sqlite:///{directory / 'sentinel.db'}"
    port = free_port()
    env = _env(tmp, SENTINEL_API_PORT=str(port))
    env.update([store_assignment.split("=", 1)])
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentinel.cli", "serve"], env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        status = _wait_status(f"http://127.0.0.1:{port}/v1/status", proc)
        store = SQLiteStore(directory / "sentinel.db")
        try:
            assert status["traffic"]["calls"] == store.count("call") > 0
        finally:
            store.close()
        # the demo exports a subject, erases it, and exports again (nothing left): the
        # page lists exports beside erasures
        kinds = [g["kind"] for g in status["gdpr"]]
        assert "erasure" in kinds and kinds.count("export") >= 2, status["gdpr"]
        assert any(g["kind"] == "export" and g["records"] == 0 for g in status["gdpr"])
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        _stop(proc)
    assert shlex.split(match.group(2))  # the command path is pasteable


def test_demo_refuses_a_directory_with_a_store(tmp_path: Path) -> None:
    (tmp_path / "sentinel.db").write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "sentinel.cli", "demo", "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=_env(tmp_path), check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "already holds a demo store" in proc.stderr


def test_traffic_summary_from_records() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        CallRecord(request_id=str(i), timestamp=t0, model="m", duration_ms=float(10 * (i + 1)),
                   retries=i % 2, failovers=int(i == 3), rate_limited=i % 2 == 1,
                   outcome="failure" if i >= 8 else "success",
                   error_type="CircuitOpenError" if i == 9 else ("ServerError" if i == 8 else None),
                   circuit_open=i == 9)
        for i in range(10)
    ]  # fmt: skip
    t = traffic(records)
    assert (t.calls, t.succeeded, t.retries, t.failovers, t.failed_fast) == (10, 8, 5, 1, 1)
    assert t.success_rate == 0.8 and t.rate_limited == 5
    assert t.p50_ms == pytest.approx(55.0) and t.p95_ms == pytest.approx(95.5)
    assert t.errors == Counter({"ServerError": 1, "CircuitOpenError": 1})


def test_scenario_incident_outlasts_the_alert_rule() -> None:
    """The script itself: the incident is longer than `for: 5m` plus the 1 m window,
    each incident tick's designed error share is above 5%, a burst is long enough to
    open the default breaker (5), and every prompt carries its persona's PII."""
    import random

    rng = random.Random(1)
    incident = [t for t in range(scenario.TOTAL_TICKS) if scenario.phase_of(t) == "incident"]
    assert len(incident) * scenario.TICK >= timedelta(minutes=6)
    for tick in incident:
        statuses = [f.status for f in scenario.primary_faults(tick, rng)]
        assert statuses.count(500) / len(statuses) > 0.05
    bursts = [scenario.primary_faults(incident[b], rng) for b in scenario.BURST_TICKS]
    assert all(sum(f.status == 500 for f in faults) >= 5 for faults in bursts)
    healthy = [f.status for t in range(scenario.WARMUP_TICKS)
               for f in scenario.primary_faults(t, rng)]  # fmt: skip
    assert set(healthy) <= {None, 429}
    for persona in scenario.PERSONAS:
        for _ in range(10):
            text = scenario.prompt_for(persona, rng)
            assert any(v and v in text for v in (persona.name, persona.email, persona.phone))


@pytest.mark.slow
def test_demo_serve_keeps_the_status_page_up_until_interrupted(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentinel.cli", "demo", "--serve", "--port", str(port),
         "--dir", str(tmp_path / "demo")],
        env=_env(tmp_path), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        status = _wait_status(f"http://127.0.0.1:{port}/v1/status", proc, timeout=DEMO_TIMEOUT)
        assert status["traffic"]["calls"] > 0 and status["store"] == "sqlite"
    finally:
        _stop(proc)
    out = proc.stdout.read() if proc.stdout else ""
    assert proc.returncode == 0, out[-3000:]
    assert f"status page: http://127.0.0.1:{port}/" in out


def test_the_cost_shown_is_what_the_calls_cost(demo_run: dict[str, Any]) -> None:
    """The cost table and the cache saving, against the ECS lines (every call, the erased
    subject's too) and the price table at each stored call's timestamp."""
    import json

    from sentinel.client import prices
    from sentinel.client.cost import Pricer

    out, directory = demo_run["proc"].stdout, demo_run["dir"]
    assert "What the calls cost, by model" in out
    lines = [json.loads(line) for line in (directory / "calls.log.jsonl").read_text().splitlines()]
    costs = [line["sentinel"]["cost"] for line in lines if "cost" in line["sentinel"]]
    assert costs and {c["currency"] for c in costs} == {"USD"}
    shown = float(_summary_value(out, "cost (USD)").replace(",", ""))
    assert abs(shown - sum(c["amount"] for c in costs)) <= 1e-6
    saved = re.search(r"cache saved ([\d.,]+) USD", out)
    assert saved and float(saved.group(1).replace(",", "")) > 0
    assert (
        abs(float(saved.group(1).replace(",", "")) - sum(c["cache_savings"] for c in costs)) <= 1e-6
    )
    pricer = Pricer(prices.load(), "USD")
    store = SQLiteStore(directory / "sentinel.db")
    try:
        for batch in store.iter_calls_since(datetime(2026, 1, 1, tzinfo=UTC)):
            for r in batch:
                c = pricer.price(r.model, r.timestamp, input_tokens=r.input_tokens,
                                 output_tokens=r.output_tokens, cache_hit_tokens=r.cache_hit_tokens,
                                 cache_miss_tokens=r.cache_miss_tokens)  # fmt: skip
                assert r.cost == (float(c.amount) if c is not None else None), r.request_id
    finally:
        store.close()
