"""How the demo looks: Rich panels, event lines and the final summary table.

Kept apart from `run` so the story's logic reads without formatting noise. Output
degrades cleanly when stdout is not a terminal (CI, `make demo | tee`): no progress
bar, no colour codes, the same text.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TextColumn
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from sentinel.compliance.audit import Verification
from sentinel.config import Settings
from sentinel.demo import scenario
from sentinel.demo.summary import DemoResult
from sentinel.models import Conversation
from sentinel.rules.evaluator import Transition
from sentinel.spend.view import money, spend_table

_PHASES = {
    "warm-up": ("green", "healthy traffic from the support bot (an occasional 429 is retried)"),
    "incident": (
        "red",
        "INCIDENT: the primary endpoint answers 500s and 503s "
        "(503 -> fail over to the backup; 500 bursts -> circuit breaker)",
    ),
    "recovery": ("green", "the primary endpoint recovers"),
}
WIDTH = 110
_ALERT_STYLE = {"pending": "yellow", "firing": "bold red", "resolved": "green"}


def _clock(offset: timedelta) -> str:
    secs = int(offset.total_seconds())
    return f"{secs // 60:02d}:{secs % 60:02d}"


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


class View:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(highlight=False)
        if not self.console.is_terminal:  # logs and CI: wide enough for one-line events
            self.console.width = max(self.console.width, WIDTH)

    def print(self, *items: Any) -> None:
        self.console.print(*items)

    def section(self, title: str, subtitle: str) -> None:
        self.print()
        self.print(Rule(f"[bold]{title}[/] [dim]- {subtitle}[/]", align="left"))

    # setup and traffic -----------------------------------------------------------

    def setup(self, directory: Path, settings: Settings, primary: str, backup: str) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        table.add_row("store", f"SQLite, {directory / 'sentinel.db'} (kept after the demo)")
        table.add_row("DeepSeek", f"FakeDeepSeek primary {primary}, backup {backup} (loopback)")
        table.add_row("client", f"Sentinel(app={settings.app!r}) with one backup base URL")
        table.add_row("call logs", f"{directory / 'calls.log.jsonl'} (one ECS JSON line per call)")
        table.add_row(
            "time",
            f"simulated: {scenario.TOTAL_TICKS * scenario.TICK.total_seconds() / 60:.0f} minutes "
            "of traffic, rules evaluated every 15 s of simulated time",
        )
        self.print(
            Panel(
                Group(
                    Text(
                        "A support bot calls DeepSeek through Sentinel while the primary "
                        "endpoint has an incident. Everything below is real: HTTP over "
                        "loopback, the SQLite store, the rule engine, Presidio, the audit log."
                    ),
                    Text(),
                    table,
                ),
                title="[bold]DeepSeek Sentinel demo[/]",
                border_style="cyan",
            )
        )
        self.section("Traffic", "a few hundred calls with English and Chinese PII in prompts")

    @contextmanager
    def progress(self, total: int) -> Iterator[Callable[[], None]]:
        bar = Progress(
            TextColumn("[dim]simulated traffic[/]"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        with bar:
            task = bar.add_task("traffic", total=total)
            yield lambda: bar.advance(task)

    def phase(self, offset: timedelta, phase: str) -> None:
        style, text = _PHASES[phase]
        self.print(f"[dim]{_clock(offset)}[/]  [{style}]{text}[/]")

    def breaker_opened(self, offset: timedelta, settings: Settings) -> None:
        self.print(
            f"[dim]{_clock(offset)}[/]  [bold magenta]circuit breaker OPEN[/] after "
            f"{settings.breaker_threshold} consecutive 500s: calls fail fast for "
            f"{settings.breaker_cooldown:g} s, then one probe"
        )

    def balance_polled(self, offset: timedelta, usd: float) -> None:
        self.print(
            f"[dim]{_clock(offset)}[/]  balance poll: {usd:.2f} USD (the leader polls "
            "GET /user/balance each minute; burn rate -> hours left)"
        )

    def alert(self, offset: timedelta, t: Transition) -> None:
        state = t.state
        if state not in _ALERT_STYLE:
            return
        i = t.instance
        value = "" if i.value is None else f" (value {i.value:.3g})"
        labels = ", ".join(f"{k}={v}" for k, v in sorted(i.labels.items()) if k != "alertname")
        self.print(
            f"[dim]{_clock(offset)}[/]  alert [bold]{i.alertname}[/] "
            f"[{_ALERT_STYLE[state]}]{state.upper()}[/]{value} [dim]{labels}[/]"
        )

    # anonymization ---------------------------------------------------------------

    def before_after(self, before: Conversation, after: Conversation) -> None:
        def body(conv: Conversation) -> Text:
            text = Text()
            for m in conv.messages:
                if m.get("role") == "user":
                    text.append("user: ", style="bold")
                    text.append(f"{m.get('content')}\n")
            text.append("assistant: ", style="bold")
            text.append(conv.completion or "")
            subject = conv.subject_id or "(dropped)"
            text.append(f"\n\nsubject_id: {subject}\nsubject_key: {(conv.subject_key or '')[:16]}…",
                        style="dim")  # fmt: skip
            return text

        grid = Table.grid(expand=True, padding=(0, 1))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        grid.add_row(
            Panel(body(before), title="stored conversation, before", border_style="red"),
            Panel(body(after), title="after the anonymization job", border_style="green"),
        )
        self.print(grid)

    def anonymized(self, count: int, entities: Counter[str], oldest_raw: datetime | None) -> None:
        found = ", ".join(f"{n} {kind}" for kind, n in entities.most_common())
        self.print(f"anonymized [bold]{count}[/] conversations; PII replaced: {found or 'none'}")
        self.print(f"raw conversations left: {'none' if oldest_raw is None else oldest_raw}")

    # GDPR ------------------------------------------------------------------------

    def exported(self, counts: Mapping[str, int], path: Path) -> None:
        self.print(f"export (Art. 15/20): {json.dumps(dict(counts))} -> {path} (mode 0600)")

    def erasure_step(self, step: str, job: dict[str, Any]) -> None:
        self.print(f"  erasure step [bold]{step}[/]: done")

    def erased(self, removed: Mapping[str, int], by_kind: Mapping[str, Any]) -> None:
        table = Table(
            "where", "removed", "by kind", title="Erasure (Art. 17)", title_justify="left"
        )
        for where, count in sorted(removed.items()):
            table.add_row(
                where, str(count), json.dumps(by_kind.get(where, "")) if where in by_kind else ""
            )
        self.print(table)

    def verified(self, left: int, audit: Verification) -> None:
        self.print(f"export after erasure: [bold]{left}[/] records")
        if audit.ok:
            self.print(f"audit log: hash chain [green]intact[/] ({audit.checked} entries)")
        else:
            self.print(f"audit log: [red]BROKEN[/] at seq {audit.broken_seq}: {audit.reason}")

    # summary ---------------------------------------------------------------------

    def summary(self, r: DemoResult) -> None:
        t = r.traffic
        table = Table(title="Summary", title_justify="left", show_header=False, box=None,
                      padding=(0, 2))  # fmt: skip
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column(style="dim")
        errors = ", ".join(f"{n} {k}" for k, n in t.errors.most_common())
        fired = Counter(r.alerts_fired)
        alerts = ", ".join(f"{name} x{n}" if n > 1 else name for name, n in sorted(fired.items()))
        if fired and set(r.alerts_resolved) >= set(fired):
            alerts += " (all resolved)"
        erased = ", ".join(f"{k} {v}" for k, v in sorted(r.erased.items()))
        audit = r.audit
        rows = [
            ("calls", str(t.calls), f"{len(scenario.PERSONAS)} customers, English and Chinese"),
            ("success rate", _pct(t.success_rate), errors),
            ("latency p50 / p95", f"{_ms(t.p50_ms)} / {_ms(t.p95_ms)}", "real HTTP on loopback"),
            ("retries", str(t.retries), f"{t.rate_limited} calls hit a 429 and were retried"),
            ("failovers", str(t.failovers), "503 on the primary, the backup answered"),
            ("breaker opens", str(r.breaker_opens), f"{t.failed_fast} calls failed fast"),
            ("telemetry", f"{r.spans} / {r.log_lines}", "spans / ECS log lines, one per call"),
            ("records stored", str(r.stored.get("call", 0)),
             f"call records; + {r.stored.get('conversation', 0)} conversations, "
             f"{r.stored.get('feedback', 0)} feedback"),
            ("alerts fired", str(len(r.alerts_fired)), alerts),
            ("conversations anonymized", str(r.anonymized),
             f"{sum(r.entities.values())} PII values replaced"),
            ("erased", str(sum(r.erased.values())), f"{scenario.ERASED_SUBJECT}: {erased}"),
            ("audit chain", "intact" if audit and audit.ok else "BROKEN",
             f"{audit.checked if audit else 0} entries verified"),
        ]  # fmt: skip
        if r.feedback_avg is not None:
            rows.insert(7, ("quality score", f"{r.feedback_avg:.2f}", "average user feedback"))
        for currency, total in r.spend.get("totals", {}).items():
            if total["cost"] is None:
                continue
            rows.insert(7, (f"cost ({currency})", money(total["cost"]),
                            f"cache saved {money(total['cache_savings'])} {currency} "
                            "(DeepSeek's prices at each call's time)"))  # fmt: skip
        for row in rows:
            table.add_row(*row)
        self.print()
        if r.spend.get("rows"):
            self.print(spend_table(r.spend, title="What the calls cost, by model"))
        self.print(Panel(table, border_style="cyan", subtitle=f"demo took {r.seconds:.1f} s"))

    def next_steps(self, directory: Path, command: str, port: int) -> None:
        store = f"sqlite:///{directory / 'sentinel.db'}"
        self.print(
            Panel(
                Text.assemble(
                    "See it on the status page: start the daemon on the demo store\n\n  ",
                    (f"SENTINEL_STORE={store} {command} serve", "bold"),
                    f"\n\nand open http://127.0.0.1:{port}/  (or run ",
                    (f"{command} demo --serve", "bold"),
                    " to keep serving after the demo).",
                ),
                title="Next",
                border_style="green",
            )
        )


def sentinel_command(argv0: str) -> str:
    """How the user ran `sentinel`, so the printed command works when pasted
    (`.venv/bin/sentinel` after `make demo`, plain `sentinel` when on PATH)."""
    name = os.path.basename(argv0)
    return argv0 if name == "sentinel" and os.sep in argv0 else "sentinel"
