"""Documents per second: Sentinel's Redactor vs plain Presidio, same model, one run.

Both engines are built and warmed up before timing (startup excluded). Sentinel
redacts the corpus with one `redact_many` call (what `sentinel redact` does per chunk)
and, as the anonymization job does, with `anonymize_conversations` over the same
documents held as stored conversations; plain Presidio runs
AnalyzerEngine.analyze + AnonymizerEngine.anonymize per document. The resident memory
of each worker process (and of this process) is printed after the run. The engines take
turns for ROUNDS rounds and each one's best round counts (as `timeit` does), because
on a shared 2-core machine a neighbour's burst otherwise decides the ratio; every
round is printed. The corpus is labelled, so both outputs are scored too: speed must
not be bought with recall.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime

from _privacy_common import PlainPresidio, chat_corpus, print_quality
from scoring import score

from sentinel.models import Conversation
from sentinel.privacy.job import anonymize_conversations
from sentinel.privacy.redactor import POOL_MIN_BATCH, Redactor


def _rss_mib(pid: int | str = "self") -> float:
    """Resident set size from /proc (Linux), in MiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        line = next(line for line in f if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _conversations(texts: list[str]) -> list[Conversation]:
    now = datetime.now(UTC)
    return [
        Conversation(
            request_id=f"bench-{i}",
            timestamp=now,
            model="deepseek-v4-flash",
            messages=[{"role": "user", "content": t}],
        )
        for i, t in enumerate(texts)
    ]


N_DOCS = int(os.environ.get("BENCH_DOCS", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# Unset: the Redactor's default (SENTINEL_REDACT_WORKERS), what `sentinel redact` and
# the anonymization job run with.
N_PROCESS = int(os.environ["BENCH_N_PROCESS"]) if os.environ.get("BENCH_N_PROCESS") else None


def main() -> None:
    docs = chat_corpus(N_DOCS)
    texts = [d["text"] for d in docs]
    print(
        f"corpus: {len(texts)} docs, mean {statistics.mean(map(len, texts)):.0f} chars "
        f"(en, zh and mixed chat), {os.cpu_count()} cores"
    )
    sentinel = Redactor(n_process=N_PROCESS)
    plain = PlainPresidio()
    sentinel.redact_many(texts[:POOL_MIN_BATCH])  # warm-up: workers started, caches filled
    for t in texts[:20]:
        plain.redact(t)

    convs = _conversations(texts)
    t_ours, t_job, t_plain = [], [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        ours = sentinel.redact_many(texts)
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        anonymize_conversations(convs, sentinel, datetime.now(UTC))
        t_job.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = [plain.redact(t) for t in texts]
        t_plain.append(time.perf_counter() - t0)
    pool = getattr(sentinel.pool, "_pool", None)
    workers = [_rss_mib(p.pid) for p in getattr(pool, "_pool", [])]
    main_rss = _rss_mib()
    sentinel.close()
    print(
        "rounds (s): Sentinel redact",
        [f"{t:.2f}" for t in t_ours],
        "Sentinel job",
        [f"{t:.2f}" for t in t_job],
        "Presidio",
        [f"{t:.2f}" for t in t_plain],
    )

    plain_dps = len(texts) / min(t_plain)
    print("\n| engine | docs/s (best round) | docs/s (median round) | vs Presidio (best) |")
    print("|---|---:|---:|---:|")
    for name, times in (
        (f"`sentinel redact` path (redact_many), {sentinel.n_process} workers", t_ours),
        (f"anonymization job path (anonymize_conversations), {sentinel.n_process} workers", t_job),
        ("plain Presidio, default recognizers", t_plain),
    ):
        dps = len(texts) / min(times)
        print(
            f"| {name} | {dps:.0f} | {len(texts) / statistics.median(times):.0f} | "
            f"{dps / plain_dps:.1f}x |"
        )
    worker_text = ", ".join(f"{m:.0f}" for m in workers) or "none (in-process)"
    print(f"\nmemory (RSS, MiB): workers {worker_text}; benchmark process {main_rss:.0f}")

    print_quality(
        "quality on the same corpus",
        {
            "Sentinel": score(
                docs,
                [[(e.type, e.start, e.end) for e in r.entities] for r in ours],
                [r.text for r in ours],
            ),
            "Presidio": score(
                docs,
                [[(r.entity_type, r.start, r.end) for r in res] for _, res in theirs],
                [text for text, _ in theirs],
            ),
        },
    )


if __name__ == "__main__":
    main()
