"""Analysis in worker processes, for batches large enough to use every core.

spaCy's `nlp.pipe(n_process=...)` parallelizes only the NER; on chat traffic the
recognizers and jieba cost as much again, and they would stay on one core. So each
worker holds a whole BatchAnalyzer and analyzes a contiguous chunk of the batch; only
texts go out and value-free Entity lists come back. Workers are spawned, not forked:
forking a process that runs scheduler and HTTP threads (the daemon) is unsafe.
"""

from __future__ import annotations

import multiprocessing
import weakref
from collections.abc import Sequence

from sentinel.privacy.analyzer import BatchAnalyzer
from sentinel.privacy.entities import Entity, resolve_overlaps
from sentinel.privacy.language import LangChoice
from sentinel.privacy.policy import Policy

_worker: BatchAnalyzer | None = None


def _init(policy: Policy, batch: int) -> None:
    global _worker
    _worker = BatchAnalyzer(policy, batch)


def _analyze(job: tuple[list[str], LangChoice]) -> list[list[Entity]]:
    assert _worker is not None, "pool worker used before its initializer ran"
    texts, language = job
    return [resolve_overlaps(r) for r in _worker.analyze_many(texts, language)]


class AnalyzerPool:
    """`n_process` worker processes, each with its own model, reused across calls."""

    def __init__(
        self,
        n_process: int,
        policy: Policy,
        batch_size: int,
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.n_process = n_process
        self._pool = ctx.Pool(n_process, initializer=_init, initargs=(policy, batch_size))
        self._close = weakref.finalize(self, self._pool.terminate)

    def analyze_many(self, texts: Sequence[str], language: LangChoice) -> list[list[Entity]]:
        size = max(8, -(-len(texts) // (self.n_process * 4)))  # ~4 chunks per worker
        jobs = [(list(texts[i : i + size]), language) for i in range(0, len(texts), size)]
        return [entities for part in self._pool.imap(_analyze, jobs) for entities in part]

    def close(self) -> None:
        self._close()
