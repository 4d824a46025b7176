"""SENTINEL_REDACT_WORKERS: the worker pool starts only for a large batch, and the
pooled analysis finds what the in-process one finds (real spawned processes)."""

from __future__ import annotations

import pytest

from sentinel.privacy.redactor import POOL_MIN_BATCH, Redactor

TEXTS = [
    "Hi, I'm Brandon Gaines, call 1-619-582-5697",
    "我叫高阳，身份证110101199003071234",
    "Order 784512369 ships in 45 minutes",
]


def test_pool_starts_lazily_for_large_batches(
    monkeypatch: pytest.MonkeyPatch, redactor: Redactor
) -> None:
    monkeypatch.setenv("SENTINEL_REDACT_WORKERS", "2")
    lazy = Redactor()
    try:
        assert lazy.n_process == 2
        small = lazy.redact_many(TEXTS)
        assert lazy.pool is None
        batch = TEXTS * (POOL_MIN_BATCH // len(TEXTS) + 1)
        large = lazy.redact_many(batch)
        assert lazy.pool is not None
        expected = [r.text for r in redactor.redact_many(batch)]
        assert [r.text for r in large] == expected
        assert [r.text for r in small] == expected[: len(TEXTS)]
    finally:
        lazy.close()
    assert lazy.pool is None


def test_one_worker_never_starts_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_REDACT_WORKERS", "1")
    inline = Redactor()
    inline.redact_many(TEXTS * POOL_MIN_BATCH)
    assert inline.pool is None
