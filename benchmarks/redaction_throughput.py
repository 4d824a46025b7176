"""Documents per second: Sentinel's Redactor vs plain Presidio, same model, one run.

Both engines are built and warmed up before timing (startup excluded). Sentinel
redacts the corpus with one `redact_many` call; plain Presidio runs
AnalyzerEngine.analyze + AnonymizerEngine.anonymize per document. The engines take
turns for ROUNDS rounds and each one's best round counts (as `timeit` does), because
on a shared 2-core machine a neighbour's burst otherwise decides the ratio; every
round is printed. The corpus is labelled, so both outputs are scored too: speed must
not be bought with recall.
"""

from __future__ import annotations

import os
import statistics
import time

from _privacy_common import PlainPresidio, chat_corpus, print_quality
from scoring import score

from sentinel.privacy.redactor import Redactor

N_DOCS = int(os.environ.get("BENCH_DOCS", "500"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
N_PROCESS = int(os.environ.get("BENCH_N_PROCESS", str(min(2, os.cpu_count() or 1))))


def main() -> None:
    docs = chat_corpus(N_DOCS)
    texts = [d["text"] for d in docs]
    print(
        f"corpus: {len(texts)} docs, mean {statistics.mean(map(len, texts)):.0f} chars "
        f"(en, zh and mixed chat), {os.cpu_count()} cores"
    )
    sentinel = Redactor(n_process=N_PROCESS)
    plain = PlainPresidio()
    sentinel.redact_many(texts[:40])  # warm-up: workers loaded, caches filled
    for t in texts[:20]:
        plain.redact(t)

    t_ours, t_plain = [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        ours = sentinel.redact_many(texts)
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = [plain.redact(t) for t in texts]
        t_plain.append(time.perf_counter() - t0)
    sentinel.close()
    print(
        "rounds (s): Sentinel",
        [f"{t:.2f}" for t in t_ours],
        "Presidio",
        [f"{t:.2f}" for t in t_plain],
    )

    ours_dps, plain_dps = len(texts) / min(t_ours), len(texts) / min(t_plain)
    print("\n| engine | docs/s (best round) | docs/s (median round) |")
    print("|---|---:|---:|")
    print(
        f"| Sentinel Redactor, n_process={N_PROCESS} | {ours_dps:.0f} | "
        f"{len(texts) / statistics.median(t_ours):.0f} |"
    )
    print(
        f"| plain Presidio, default recognizers | {plain_dps:.0f} | "
        f"{len(texts) / statistics.median(t_plain):.0f} |"
    )
    median_ratio = statistics.median(t_plain) / statistics.median(t_ours)
    print(f"\nspeed-up: {ours_dps / plain_dps:.1f}x best round, {median_ratio:.1f}x median round")

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
