"""Redaction outputs, saved or compared byte for byte: speed work must change none.

Every message of the labelled corpora (pii_handwritten.txt, pii_names_extra.txt,
the dev outside corpora, not the held-out ones) and the 1,000 throughput documents go through the
`sentinel redact` path (`redact_many`, worker pool and in-process) and the anonymization
job path (`anonymize_conversations`); the redacted texts and the entity spans are
written as JSON lines. Save them from the base commit, then check a branch against them:

    .venv/bin/python benchmarks/redaction_outputs.py --save /tmp/base.jsonl
    .venv/bin/python benchmarks/redaction_outputs.py --check /tmp/base.jsonl

`--check` exits 1 and prints the first differing lines when any output differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from _privacy_common import chat_corpus
from pii_handwritten import CORPUS, EXTRA, FRESH_CORPORA, HELD_OUT, messages

from sentinel.models import Conversation
from sentinel.privacy.job import anonymize_conversations
from sentinel.privacy.redactor import Redactor

# The held-out corpora stay out: whoever proves a speed change must not see their outputs.
DEV_FRESH = {name: path for name, path in FRESH_CORPORA.items() if name not in HELD_OUT}
CORPORA = {"handwritten": CORPUS, "names_extra": EXTRA, **DEV_FRESH}


def _texts() -> list[tuple[str, str]]:
    out = [(name, m["text"]) for name, path in CORPORA.items() for m in messages(path)]
    return out + [("throughput", d["text"]) for d in chat_corpus(1000)]


def _conversation(i: int, text: str) -> Conversation:
    return Conversation(
        request_id=f"check-{i}",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        model="deepseek-v4-flash",
        messages=[{"role": "user", "content": text}],
    )


def outputs() -> Iterator[str]:
    """One JSON line per (path, text): the redacted text and its (type, start, end)."""
    labelled = _texts()
    texts = [t for _, t in labelled]
    for path, n_process in (("redact_many/pool", 2), ("redact_many/local", 1)):
        redactor = Redactor(n_process=n_process)
        try:
            for (corpus, _), r in zip(labelled, redactor.redact_many(texts), strict=True):
                spans = [[e.type, e.start, e.end] for e in r.entities]
                yield json.dumps(
                    {"path": path, "corpus": corpus, "text": r.text, "spans": spans},
                    ensure_ascii=False,
                )
            if n_process > 1:
                convs = [_conversation(i, t) for i, t in enumerate(texts)]
                done = anonymize_conversations(convs, redactor, datetime(2026, 1, 2, tzinfo=UTC))
                for (corpus, _), conv in zip(labelled, done, strict=True):
                    yield json.dumps(
                        {"path": "job", "corpus": corpus, "text": conv.messages[0]["content"]},
                        ensure_ascii=False,
                    )
        finally:
            redactor.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write the outputs to this file")
    mode.add_argument("--check", type=Path, help="compare the outputs with this saved file")
    args = parser.parse_args()
    lines = list(outputs())
    if args.save:
        args.save.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"saved {len(lines)} outputs to {args.save}")
        return 0
    saved = args.check.read_text(encoding="utf-8").splitlines()
    diffs = [(i, a, b) for i, (a, b) in enumerate(zip(saved, lines, strict=False)) if a != b]
    if len(saved) != len(lines):
        print(f"DIFFERENT: {len(saved)} saved outputs, {len(lines)} now")
    for i, a, b in diffs[:5]:
        print(f"line {i + 1}\n  saved: {a}\n  now:   {b}")
    if diffs or len(saved) != len(lines):
        print(f"DIFFERENT: {len(diffs)} of {len(lines)} outputs differ")
        return 1
    print(f"identical: {len(lines)} outputs, byte for byte")
    return 0


if __name__ == "__main__":
    sys.exit(main())
