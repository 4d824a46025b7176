"""Rule evaluation cost against stored history: one evaluation of the default rules
over 10 thousand vs 1 million stored calls, on SQLite and on the real Elasticsearch.
Target: 100x more history costs at most 2x per evaluation.

    .venv/bin/python benchmarks/rule_eval.py [--small 10000] [--large 1000000]
        [--es-large 1000000] [--rounds 15] [--days 30] [--es http://127.0.0.1:9250]
        [--stores sqlite,elasticsearch]

Both stores of a pair hold the same traffic in the last 30 minutes (the longest default
window): two models, 60 calls a minute each with 2% errors, some 429s and feedback, and
a few raw conversations. They differ only in the history before that window, spread
over the preceding `--days` (on Elasticsearch, one calls index a day). One evaluation
is every default rule group through `RuleEngine.evaluate_group` (the daemon's code
path: claim, state, aggregations, persisted state, store notifier). Evaluations
alternate between the small and the large store so the shared machine's noise hits
both alike; the table shows medians.
Elasticsearch indices get a unique prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sentinel.config import Settings
from sentinel.models import CallRecord, Conversation, Feedback, Record
from sentinel.rules.engine import RuleEngine
from sentinel.rules.loader import RuleSet, default_rule_paths, load_rules
from sentinel.rules.notifiers import StoreNotifier
from sentinel.store.base import Store

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RECENT = timedelta(minutes=30)
MODELS = ("deepseek-v4-flash", "deepseek-v4-pro")
BATCH = 5000


def recent_traffic() -> list[Record]:
    """The window every rule looks at: identical in every store of a pair."""
    out: list[Record] = []
    seconds = int(RECENT.total_seconds())
    for m, model in enumerate(MODELS):
        for s in range(seconds):  # one call a second per model
            ts = NOW - timedelta(seconds=s, milliseconds=m * 100)
            rid = f"recent-{model}-{s}"
            out.append(CallRecord(
                request_id=rid, timestamp=ts, model=model, app="bench",
                outcome="failure" if s % 50 == 0 else "success",
                rate_limited=s % 40 == 0, duration_ms=200.0 + (s * 37) % 500,
            ))  # fmt: skip
            if s % 3 == 0:
                out.append(Feedback(request_id=rid, timestamp=ts, model=model, app="bench",
                                    score=0.5 + (s % 5) / 10, satisfied=s % 4 != 0))  # fmt: skip
            if s % 60 == 0:
                out.append(Conversation(
                    request_id=rid, timestamp=ts, model=model, app="bench",
                    messages=[{"role": "user", "content": "How do I rotate my key?"}],
                    completion="Open the console.", subject_key="k",
                ))  # fmt: skip
    return out


def history(n: int, days: int) -> Iterator[list[Record]]:
    """n calls before the recent window, evenly over `days` before it, in batches."""
    span = timedelta(days=days).total_seconds()
    end = NOW - RECENT - timedelta(minutes=1)
    for start in range(0, n, BATCH):
        yield [
            CallRecord(
                request_id=f"hist-{i}", timestamp=end - timedelta(seconds=span * i / n),
                model=MODELS[i % 2], app="bench", outcome="failure" if i % 7 == 0 else "success",
                duration_ms=100.0 + i % 900,
            )
            for i in range(start, min(start + BATCH, n))
        ]  # fmt: skip


def fill(store: Store, calls: int, recent: list[Record], days: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(recent), BATCH):
        store.write_records(recent[i : i + BATCH])
    for batch in history(calls - sum(isinstance(r, CallRecord) for r in recent), days):
        store.write_records(batch)
    store.refresh()
    return time.perf_counter() - started


class Subject:
    """One store under test with its engine; `evaluate` runs every group once."""

    def __init__(self, store: Store, rules: RuleSet, settings: Settings) -> None:
        self.store = store
        self.rules = rules
        self.engine = RuleEngine(
            store, [StoreNotifier(store)], anonymize_within=settings.anonymize_within
        )
        self.tick = 0
        self.samples: list[float] = []

    def evaluate(self, record: bool = True) -> None:
        self.tick += 1
        now = NOW + timedelta(milliseconds=self.tick)  # each instant is evaluated once
        started = time.perf_counter()
        for group in self.rules.groups:
            if self.engine.evaluate_group(group, now) is None:
                raise RuntimeError(f"group {group.name} was not evaluated at {now}")
        if record:
            self.samples.append(time.perf_counter() - started)


def measure(
    name: str, open_store: Callable[[str], Store], sizes: tuple[int, int], rounds: int, days: int
) -> dict:
    settings = Settings()
    rules = load_rules(default_rule_paths(settings))
    recent = recent_traffic()
    stores: list[Store] = []
    try:
        loads = []
        for size in sizes:
            stores.append(open_store(f"{size}"))
            loads.append(fill(stores[-1], size, recent, days))
        subjects = [Subject(s, rules, settings) for s in stores]
        for s in subjects:
            s.evaluate(record=False)  # warm caches and connections
        for _ in range(rounds):
            for s in subjects:
                s.evaluate()
        small, large = (statistics.median(s.samples) for s in subjects)
        return {"store": name, "sizes": sizes, "loads": loads, "small": small, "large": large,
                "counts": [s.count("call") for s in stores]}  # fmt: skip
    finally:
        for s in stores:
            if hasattr(s, "drop"):  # Elasticsearch: the cluster is shared, leave nothing
                s.drop()
            s.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--es-large", type=int, default=None, help="default: --large")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--days", type=int, default=30, help="history span (Elasticsearch: one index a day)"
    )
    parser.add_argument(
        "--es", default=os.environ.get("SENTINEL_TEST_ES_URL", "http://127.0.0.1:9250")
    )
    parser.add_argument("--stores", default="sqlite,elasticsearch", help="comma list")
    args = parser.parse_args()
    console = Console(width=120)
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("XDG_DATA_HOME", str(work / "xdg"))
        from sentinel.store import open_store

        def sqlite(tag: str) -> Store:
            return open_store(f"sqlite:///{work / f'rules-{tag}.db'}")

        stores = set(args.stores.split(","))
        if "sqlite" in stores:
            rows.append(measure("sqlite", sqlite, (args.small, args.large), args.rounds, args.days))
        if "elasticsearch" in stores:
            try:
                rows.append(measure("elasticsearch", _elastic_factory(args.es, work),
                                    (args.small, args.es_large or args.large),
                                    args.rounds, args.days))  # fmt: skip
            except Exception as exc:  # report, do not hide: the table says why
                notes.append(f"elasticsearch at {args.es}: not measured "
                             f"({type(exc).__name__}: {exc})")  # fmt: skip

    table = Table(title="One evaluation of the default rules (median; target: ratio <= 2)")
    for col in ("store", "stored calls", "load s", "eval ms", "ratio large/small", "target"):
        table.add_column(col, justify="left" if col == "store" else "right")
    ok = True
    for r in rows:
        ratio = r["large"] / r["small"]
        ok = ok and ratio <= 2
        counts = f"{r['counts'][0]:,} vs {r['counts'][1]:,}"
        loads = f"{r['loads'][0]:.0f} / {r['loads'][1]:.0f}"
        evals = f"{r['small'] * 1000:.1f} vs {r['large'] * 1000:.1f}"
        table.add_row(r["store"], counts, loads, evals, f"{ratio:.2f}x",
                      "met" if ratio <= 2 else "MISSED")  # fmt: skip
    console.print(table)
    for note in notes:
        console.print(f"[yellow]{note}[/yellow]")
    return 0 if ok and not notes else 1


def _elastic_factory(url: str, work: Path) -> Callable[[str], Store]:
    from sentinel.store.elastic import ElasticStore

    prefix = f"bench-rules-{uuid.uuid4().hex[:8]}"

    def make(tag: str) -> Store:
        store = ElasticStore.from_settings(
            url,
            Settings(es_index_prefix=f"{prefix}-{tag}"),
            dead_letter_path=work / f"dead-letter-{tag}.jsonl",
        )
        store.setup()
        return store

    return make


if __name__ == "__main__":
    sys.exit(main())
