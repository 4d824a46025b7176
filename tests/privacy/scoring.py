"""Scoring of a redactor against eval_set.jsonl, shared by the tests and the benchmark.

* leaked: the labelled value still appears verbatim in the redacted text;
* recall: a labelled span is overlapped by a finding of the same type;
* precision: a finding of a labelled type overlaps a labelled span of that type;
* over-redacted: a decoy overlapped by any finding.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sentinel.privacy.redactor import Redactor

EVAL_SET = Path(__file__).with_name("eval_set.jsonl")

Span = tuple[str, int, int]  # (type, start, end)


def load_eval_set() -> list[dict]:
    with EVAL_SET.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@dataclass
class Scores:
    gold: Counter = field(default_factory=Counter)
    found: Counter = field(default_factory=Counter)
    leaked: Counter = field(default_factory=Counter)
    predicted: Counter = field(default_factory=Counter)
    correct: Counter = field(default_factory=Counter)
    decoys: int = 0
    decoys_hit: int = 0

    def recall(self, t: str) -> float:
        return self.found[t] / self.gold[t] if self.gold[t] else 1.0

    def precision(self, t: str) -> float:
        return self.correct[t] / self.predicted[t] if self.predicted[t] else 1.0

    def leak_rate(self, t: str | None = None) -> float:
        if t is None:
            return sum(self.leaked.values()) / max(1, sum(self.gold.values()))
        return self.leaked[t] / self.gold[t] if self.gold[t] else 0.0

    @property
    def over_redaction(self) -> float:
        return self.decoys_hit / self.decoys if self.decoys else 0.0


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score(records: list[dict], findings: list[list[Span]], redacted: list[str]) -> Scores:
    s = Scores()
    for rec, spans, out in zip(records, findings, redacted, strict=True):
        gold = rec["pii"]
        gold_types = {g["type"] for g in gold}
        for g in gold:
            t = g["type"]
            s.gold[t] += 1
            if any(pt == t and _overlaps(ps, pe, g["start"], g["end"]) for pt, ps, pe in spans):
                s.found[t] += 1
            if rec["text"][g["start"] : g["end"]] in out:
                s.leaked[t] += 1
        for pt, ps, pe in spans:
            if pt in gold_types or pt in s.gold:
                s.predicted[pt] += 1
                if any(g["type"] == pt and _overlaps(ps, pe, g["start"], g["end"]) for g in gold):
                    s.correct[pt] += 1
        for d in rec["decoys"]:
            s.decoys += 1
            if any(_overlaps(ps, pe, d["start"], d["end"]) for _, ps, pe in spans):
                s.decoys_hit += 1
    return s


def found(redactor: Redactor, text: str, lang: str = "auto") -> list[tuple[str, str]]:
    """What the redactor found in `text`, as (type, the text it covers): the shape the
    recognizer tests compare."""
    red = redactor.redact(text, lang)  # type: ignore[arg-type]
    return [(e.type, text[e.start : e.end]) for e in red.entities]
