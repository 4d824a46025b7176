"""What the analysis view (sentinel/privacy/view.py) costs, next to the redaction it feeds.

    .venv/bin/python benchmarks/analysis_view_cost.py               # view only
    .venv/bin/python benchmarks/analysis_view_cost.py --redactor    # plus redact_many

A clean text (no invisible, decomposed or folded character: every document of the outside
corpora) should pay one regex search and an NFC quick check; a hostile one (a zero-width
space after every fifth character) pays the character-by-character map. Both are printed
per document and, with --redactor, as a share of redacting the same documents.
"""

from __future__ import annotations

import argparse
import time

import pii_handwritten

from sentinel.privacy.view import analysis_view


def _per_doc(texts: list[str], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            analysis_view(text)
    return (time.perf_counter() - start) / (repeat * len(texts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redactor", action="store_true", help="also time redact_many")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    texts = [
        d["text"]
        for name in ("fresh3", "fresh4")
        for d in pii_handwritten.messages(pii_handwritten.FRESH_CORPORA[name])
    ]
    hostile = ["".join(c + "\u200b" if i % 5 == 4 else c for i, c in enumerate(t)) for t in texts]
    chars = sum(map(len, texts)) / len(texts)
    clean_s, hostile_s = _per_doc(texts, args.repeat), _per_doc(hostile, args.repeat)
    print(f"{len(texts)} documents, {chars:.0f} characters on average")
    print(f"view of a clean document:   {clean_s * 1e6:8.2f} us")
    print(f"view of a hostile document: {hostile_s * 1e6:8.2f} us")
    if args.redactor:
        from sentinel.privacy.redactor import Redactor

        redactor = Redactor(n_process=1)
        redactor.redact_many(texts[:20])  # warm up
        start = time.perf_counter()
        redactor.redact_many(texts)
        redact_s = (time.perf_counter() - start) / len(texts)
        print(f"redact_many per document:   {redact_s * 1e6:8.0f} us")
        print(f"clean view / redaction:     {clean_s / redact_s:8.4%}")
        print(f"hostile view / redaction:   {hostile_s / redact_s:8.4%}")


if __name__ == "__main__":
    main()
