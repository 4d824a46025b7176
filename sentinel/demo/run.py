"""`sentinel demo`, end to end: the real client, store, rule engine, anonymization job
and compliance service, against two FakeDeepSeek servers on loopback.

Simulated time: the client, the rule engine and the compliance service share one
`FakeClock` that starts about 13 minutes ago and moves 2.5 s per call, so the
incident lasts 7 simulated minutes (long enough for the `for: 5m` of
DeepSeekHighErrorRate) yet the demo takes seconds; 429 back-offs and breaker
cooldowns pass on that clock too. Latencies are real (loopback HTTP), and since the
clock ends at about the real present, a `sentinel serve` started afterwards shows the
demo's traffic on its status page.
"""

from __future__ import annotations

import io
import random
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from sentinel.client import Sentinel
from sentinel.clock import FakeClock
from sentinel.compliance.service import Compliance
from sentinel.config import Settings
from sentinel.daemon import Daemon
from sentinel.demo import scenario
from sentinel.demo.summary import DemoResult, traffic
from sentinel.demo.view import View
from sentinel.errors import SentinelAPIError
from sentinel.models import Conversation
from sentinel.rules.evaluator import Transition
from sentinel.rules.notifiers import StoreNotifier
from sentinel.spend.report import report
from sentinel.store.sqlite import SQLiteStore
from sentinel.testing import FakeDeepSeek

ACTOR = "demo:compliance-officer"
_AFTER = timedelta(microseconds=1)  # spend windows end before their end: include the last call


def demo_settings(directory: Path, primary: str, backup: str, api_key: str) -> Settings:
    """The demo's configuration: its own store and spool under `directory`; a 1 h
    anonymization promise (72 h in production) so the job has work right away."""
    return Settings(
        store=f"sqlite:///{directory / 'sentinel.db'}",
        spool_dir=directory / "spool",
        api_key=api_key,
        base_url=primary,
        backup_base_urls=[backup],
        app="support-bot",
        anonymize_within="1h",
        balance_poll_interval=scenario.BALANCE_POLL,
    )


def _preload_redactor() -> threading.Thread:
    """Load Presidio and spaCy (seconds) while the traffic runs."""
    from sentinel.privacy.job import default_redactor

    thread = threading.Thread(target=default_redactor, name="demo-redactor-load", daemon=True)
    thread.start()
    return thread


class Demo:
    def __init__(self, directory: Path, view: View, seed: int = 7) -> None:
        self.directory = directory
        self.view = view
        self.rng = random.Random(seed)
        now = datetime.now(UTC).replace(microsecond=0)
        start = now - scenario.TICK * scenario.TOTAL_TICKS
        self.clock = FakeClock(start.replace(second=start.second - start.second % 15))
        self.store = SQLiteStore(directory / "sentinel.db")
        self.spans = InMemorySpanExporter()
        self.request_ids: list[str] = []

    def run(self) -> DemoResult:
        began = time.perf_counter()
        self.store.setup()
        loader = _preload_redactor()
        with ExitStack() as stack:
            primary = stack.enter_context(FakeDeepSeek())
            backup = stack.enter_context(FakeDeepSeek())
            backup.set_latency(scenario.BACKUP_LATENCY)
            settings = demo_settings(self.directory, primary.url, backup.url, primary.api_key)
            self.view.setup(self.directory, settings, primary.url, backup.url)
            result = self._traffic(stack, settings, primary)
        loader.join()
        self._anonymize(settings, result)
        self._gdpr(settings, result)
        self.store.close()
        result.seconds = time.perf_counter() - began
        return result

    # 1. traffic and incident ---------------------------------------------------

    def _client(self, stack: ExitStack, settings: Settings) -> Sentinel:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.spans))
        log = stack.enter_context((self.directory / "calls.log.jsonl").open("w"))
        return stack.enter_context(
            Sentinel(
                settings=settings,
                store=self.store,
                clock=self.clock,
                tracer_provider=provider,
                log_stream=log,
            )
        )

    def _traffic(self, stack: ExitStack, settings: Settings, primary: FakeDeepSeek) -> DemoResult:
        client = self._client(stack, settings)
        daemon = Daemon(self.store, settings, self.clock, notifiers=[StoreNotifier(self.store)])
        transitions: list[Transition] = []
        start = self.clock.now()
        with self.view.progress(scenario.TOTAL_TICKS) as advance:
            for tick in range(scenario.TOTAL_TICKS):
                phase = scenario.phase_of(tick)
                if tick == 0 or phase != scenario.phase_of(tick - 1):
                    self.view.phase(tick * scenario.TICK, phase)
                primary.faults["chat"].clear()
                primary.script(*scenario.primary_faults(tick, self.rng))
                primary.balances = {"USD": scenario.balance_at(tick)}
                self._tick(client, settings, start, tick)
                client.flush()  # the rules read the store: every call of the tick is in it
                elapsed = (tick + 1) * scenario.TICK
                self._move_to(start + elapsed)
                for t in self._evaluate(daemon, elapsed):
                    self.view.alert(elapsed, t)
                    transitions.append(t)
                advance()
        daemon.stop()
        return self._result(client, start, transitions)

    def _tick(self, client: Sentinel, settings: Settings, start: datetime, tick: int) -> None:
        step = scenario.TICK / scenario.CALLS_PER_TICK
        for n in range(scenario.CALLS_PER_TICK):
            # planned call times; a 429 back-off may have moved the clock a little
            self._move_to(start + tick * scenario.TICK + n * step)
            opened = client.breaker.opened_count
            self._call(client)
            if client.breaker.opened_count > opened:
                self.view.breaker_opened(self.clock.now() - start, settings)

    def _evaluate(self, daemon: Daemon, elapsed: timedelta) -> list[Transition]:
        """Evaluate the groups due at this instant, as the daemon's scheduler would."""
        out: list[Transition] = []
        for group in daemon.rules.groups:
            if elapsed % group.interval:
                continue
            evaluation = daemon.run_group(group, self.clock.now())
            out.extend(evaluation.transitions if evaluation else ())
        if not elapsed % scenario.BALANCE_POLL:  # the leader's poller, on demo time
            sample = daemon.poll_balance()
            usd = sample.total("USD") if sample is not None else None
            if usd is not None and elapsed == scenario.BALANCE_POLL:
                self.view.balance_polled(elapsed, usd)
        return out

    def _result(
        self, client: Sentinel, start: datetime, transitions: list[Transition]
    ) -> DemoResult:
        records = [r for r in map(self.store.get_call, self.request_ids) if r is not None]
        feedback = self.store.feedback_stats(start, self.clock.now())
        scores = [f.score_avg for f in feedback if f.score_avg is not None]
        with (self.directory / "calls.log.jsonl").open() as log:
            log_lines = sum(1 for _ in log)
        return DemoResult(
            traffic=traffic(records),
            breaker_opens=client.breaker.opened_count,
            spans=len(self.spans.get_finished_spans()),
            log_lines=log_lines,
            stored={k: self.store.count(k) for k in ("call", "conversation", "feedback")},
            feedback_avg=scores[0] if scores else None,
            alerts_fired=[t.instance.alertname for t in transitions if t.state == "firing"],
            alerts_resolved=[t.instance.alertname for t in transitions if t.state == "resolved"],
            spend=report(self.store, by="model", start=start, end=self.clock.now() + _AFTER),
        )

    def _move_to(self, when: datetime) -> None:
        if when > self.clock.now():
            self.clock.set(when)

    def _call(self, client: Sentinel) -> None:
        persona = self.rng.choice(scenario.PERSONAS)
        try:
            reply = client.chat.completions.create(
                model=scenario.MODEL,
                messages=[
                    {"role": "system", "content": scenario.SYSTEM_PROMPT},
                    {"role": "user", "content": scenario.prompt_for(persona, self.rng)},
                ],
                temperature=0.3,
                max_tokens=200,
                subject_id=persona.subject_id,
            )
        except SentinelAPIError as exc:  # the app would show its own error page
            if exc.request_id:
                self.request_ids.append(exc.request_id)
            return
        self.request_ids.append(reply.request_id)
        if self.rng.random() < 0.3:
            score = round(min(1.0, self.rng.gauss(0.82, 0.1)), 2)
            client.feedback(reply.request_id, score=score, satisfied=score >= 0.6)

    # 2. anonymization -----------------------------------------------------------

    def _showcase(self) -> Conversation | None:
        for request_id in self.request_ids:
            conv = self.store.get_conversation(request_id)
            if conv is not None and conv.subject_id == scenario.SHOWCASE_SUBJECT:
                return conv
        return None

    def _anonymize(self, settings: Settings, result: DemoResult) -> None:
        from sentinel.privacy.job import run_once

        before = self._showcase()
        self.view.section("Anonymization job", "what `sentinel serve` runs every few minutes")
        report = run_once(self.store, settings, self.clock)
        after = self.store.get_conversation(before.request_id) if before else None
        if before is not None and after is not None:
            self.view.before_after(before, after)
        result.anonymized = report.anonymized
        result.entities = report.entities
        self.view.anonymized(
            report.anonymized, report.entities, self.store.oldest_raw_conversation()
        )

    # 3. GDPR --------------------------------------------------------------------

    def _gdpr(self, settings: Settings, result: DemoResult) -> None:
        subject = scenario.ERASED_SUBJECT
        service = Compliance.build(
            self.store, settings, clock=self.clock, exports_dir=self.directory / "exports"
        )
        key = service.subject_key(subject)
        self.view.section("GDPR", f"data subject {subject} asks for a copy, then for erasure")
        job = service.exports.request(subject, key, ACTOR, None)
        done = service.exports.run(job["id"]) or job
        result.exported = dict(done.get("counts", {}))
        self.view.exported(result.exported, service.exports.path(job["id"]))
        self.clock.advance(60)
        job = service.erasures.request(subject, key, ACTOR, None)
        erased = service.erasures.run(job["id"], progress=self.view.erasure_step) or job
        result.erased = dict(erased.get("removed", {}))
        self.view.erased(result.erased, erased.get("removed_by_kind", {}))
        check = service.exports.export_now(io.StringIO(), subject, key, ACTOR)
        result.export_after_erasure = check.total
        result.audit = service.audit.verify()
        self.view.verified(check.total, result.audit)


def demo_directory(path: Path | None) -> Path:
    """The given directory (created; must not hold a store yet) or a new temporary
    one. It is kept afterwards, so `sentinel serve` can show the demo's data."""
    if path is None:
        return Path(tempfile.mkdtemp(prefix="sentinel-demo-"))
    path.mkdir(parents=True, exist_ok=True)
    if (path / "sentinel.db").exists():
        raise FileExistsError(
            f"{path} already holds a demo store (sentinel.db); use an empty --dir"
        )
    return path
