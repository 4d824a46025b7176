"""The anonymization job over 10,000 conversations plus one of 5 MB, on SQLite.

Every conversation is due (older than the cutoff), so one `run_once` must anonymize
all of them: the check is that it finishes, that the huge one neither fails nor holds
up the small ones (it runs last), and how long a conversation costs. A conversation's
cost is the time of the batch that saved it divided by the batch's size (the store
query, the walk, the analysis and the save of that batch); the huge one is its own
batch. Prints p50/p95/max per conversation, the 5 MB one's time and the total, with
the machine's load average. BENCH_CONVERSATIONS and BENCH_BIG_MB scale it down.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _privacy_common import chat_corpus

from sentinel.clock import FakeClock
from sentinel.config import Settings
from sentinel.models import Conversation, subject_key_for
from sentinel.privacy.job import default_redactor, run_once
from sentinel.store.sqlite import SQLiteStore

N_CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "10000"))
BIG_MB = float(os.environ.get("BENCH_BIG_MB", "5"))
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class TimedSaves:
    """The real store; remembers when each batch was saved and how many it held."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.saves: list[tuple[float, list[str]]] = []

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def save_anonymized(self, conversations: Sequence[Conversation]) -> int:
        replaced = self.inner.save_anonymized(conversations)
        self.saves.append((time.perf_counter(), [c.request_id for c in conversations]))
        return replaced


def conversations(texts: list[str]) -> list[Conversation]:
    key = subject_key_for("bench-user", b"bench")
    out = []
    for i in range(N_CONVERSATIONS):
        out.append(
            Conversation(
                request_id=f"c{i:05d}",
                timestamp=NOW - timedelta(hours=80, seconds=i),
                model="deepseek-v4-flash",
                messages=[
                    {"role": "system", "content": "You are a helpful support assistant."},
                    {"role": "user", "content": texts[i % len(texts)]},
                ],
                completion=f"Thanks, noted: {texts[(i + 1) % len(texts)][:120]}",
                subject_id="bench-user",
                subject_key=key,
            )
        )
    target = int(BIG_MB * 1_000_000)
    body, size, n = [], 0, 0
    while size < target:
        body.append(texts[n % len(texts)])
        size += len(body[-1]) + 1
        n += 1
    big = Conversation(
        request_id="big",
        timestamp=NOW - timedelta(hours=81),  # the oldest: first in the store's order
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": "\n".join(body)[:target]}],
        completion="ok",
        subject_id="bench-user",
        subject_key=key,
    )
    return [big, *out]


def main() -> None:
    texts = [d["text"] for d in chat_corpus(2000)]
    redactor = default_redactor()
    redactor.redact_many(texts[:40])  # model loaded, caches warm
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.db")
        store.setup()
        convs = conversations(texts)
        for i in range(0, len(convs), 1000):
            store.write_records(convs[i : i + 1000])
        spy = TimedSaves(store)
        start = time.perf_counter()
        report = run_once(spy, Settings(), FakeClock(NOW), redactor)  # type: ignore[arg-type]
        total = time.perf_counter() - start
        raw_left = store.oldest_raw_conversation()
        store.close()

    per_conv: list[float] = []
    big_seconds = small_done = 0.0
    previous = start
    for at, ids in spy.saves:
        cost = (at - previous) / len(ids)
        per_conv += [cost] * len(ids)
        if ids == ["big"]:
            big_seconds = at - previous
        else:
            small_done = at - start
        previous = at
    per_conv.sort()
    p95 = per_conv[int(0.95 * (len(per_conv) - 1))]
    load = os.getloadavg()[0]
    print(
        f"{N_CONVERSATIONS} conversations of ~{statistics.mean(map(len, texts)):.0f} chars "
        f"+ one of {BIG_MB:g} MB; load average {load:.1f}, {os.cpu_count()} cores"
    )
    print(
        f"anonymized {report.anonymized} (failed {report.failed}, masked {report.masked}); "
        f"raw left: {raw_left or 'none'}"
    )
    print("\n| measure | value |")
    print("|---|---:|")
    print(f"| per conversation p50 (ms) | {statistics.median(per_conv) * 1000:.1f} |")
    print(f"| per conversation p95 (ms) | {p95 * 1000:.1f} |")
    print(f"| small ones all saved after (s) | {small_done:.1f} |")
    print(f"| the {BIG_MB:g} MB conversation (s) | {big_seconds:.1f} |")
    print(f"| whole run (s) | {total:.1f} |")
    ok = report.anonymized == N_CONVERSATIONS + 1 and raw_left is None
    ok = ok and spy.saves[-1][1] == ["big"]
    print("\nresult:", "met (all anonymized, the big one last)" if ok else "MISSED")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
