"""The labelled evaluation set: its shape, its reproducibility, and the quality bars.

Bars (issue 6): leak rate <= 2% overall and <= 5% per entity type, decoys over-redacted
<= 3%. Recall and precision floors guard against a change that trades one for the other.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from make_eval_set import generate
from scoring import EVAL_SET, Scores, load_eval_set, score

from sentinel.privacy.redactor import Redactor

DECOY_KINDS = {"tech", "version", "order", "bad_id", "duration_en", "duration_zh"}


@pytest.fixture(scope="module")
def scores(redactor: Redactor) -> Scores:
    records = load_eval_set()
    redactions = redactor.redact_many([r["text"] for r in records])
    return score(
        records,
        [[(e.type, e.start, e.end) for e in red.entities] for red in redactions],
        [red.text for red in redactions],
    )


def test_committed_set_is_what_the_seeded_generator_writes() -> None:
    committed = EVAL_SET.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in committed] == generate()


def test_set_is_large_bilingual_and_has_every_decoy_kind() -> None:
    records = load_eval_set()
    assert len(records) >= 300
    assert Counter(r["lang"] for r in records).keys() == {"en", "zh", "mixed"}
    assert {d["kind"] for r in records for d in r["decoys"]} == DECOY_KINDS
    for r in records:  # spans point at real text
        for span in r["pii"] + r["decoys"]:
            assert 0 <= span["start"] < span["end"] <= len(r["text"])


def test_leak_rate(scores: Scores) -> None:
    assert scores.leak_rate() <= 0.02
    for entity in scores.gold:
        assert scores.leak_rate(entity) <= 0.05, entity


def test_over_redaction_of_decoys(scores: Scores) -> None:
    assert scores.decoys > 200
    assert scores.over_redaction <= 0.03


def test_per_entity_recall_and_precision(scores: Scores) -> None:
    for entity in scores.gold:
        assert scores.recall(entity) >= 0.85, entity
        assert scores.precision(entity) >= 0.85, entity
