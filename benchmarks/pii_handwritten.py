"""A second labelled corpus, written by hand as chat messages (benchmarks/pii_handwritten.txt).

pii_corpus.py fills a few dozen templates with Faker values, so its two splits share
every sentence shape; a recognizer tuned on its dev split can still miss the shapes an
outside tester types: lowercase names, lone first names after a verb, possessives,
non-Anglo names, two-character Chinese names, compound surnames. These messages were
written before the recognizers were changed for them. Non-comment lines alternate
between a dev half and a second half that was held out until issue 19's third round;
since then both halves are dev data (a fresh outside corpus is the held-out one).

Markup: `{TYPE|value}` is a PII value of TYPE, `[kind|value]` a look-alike decoy.
"""

from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).with_name("pii_handwritten.txt")
# Written later by the recognizer side for issue 19's third round; dev data only.
EXTRA = Path(__file__).with_name("pii_names_extra.txt")
# Written by an author who never saw the recognizers; held out, scored only to report.
FRESH = Path(__file__).with_name("pii_fresh.txt")
# A second one by another outside author, also held out whole (redaction_eval --corpus fresh2).
FRESH2 = Path(__file__).with_name("pii_fresh2.txt")
# A third outside author's, held out whole too (redaction_eval --corpus fresh3).
FRESH3 = Path(__file__).with_name("pii_fresh3.txt")
# A fourth's, held out until it guided issue 19's seventh round (--corpus fresh4).
FRESH4 = Path(__file__).with_name("pii_fresh4.txt")
# A fifth's, held out for three scorings, dev data since issue 19's eighth round (--corpus fresh5).
FRESH5 = Path(__file__).with_name("pii_fresh5.txt")
# A sixth's and a seventh's, written side by side by two authors who never saw each other's
# files: the held-out pair since fresh5 became dev data (--corpus fresh6, --corpus fresh7).
FRESH6 = Path(__file__).with_name("pii_fresh6.txt")
FRESH7 = Path(__file__).with_name("pii_fresh7.txt")
FRESH_CORPORA = {
    "fresh": FRESH,
    "fresh2": FRESH2,
    "fresh3": FRESH3,
    "fresh4": FRESH4,
    "fresh5": FRESH5,
    "fresh6": FRESH6,
    "fresh7": FRESH7,
}
# Scored only by the lead, before and after a round; never read while writing recognizers.
HELD_OUT = ("fresh6", "fresh7")
_MARK = re.compile(r"\{([A-Z_]+)\|([^}]+)\}|\[([a-z_]+)\|([^\]]+)\]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2}")


def parse(line: str) -> dict:
    """One marked-up message as a labelled document (text, pii spans, decoy spans)."""
    text, pii, decoys, pos = "", [], [], 0
    for m in _MARK.finditer(line):
        text += line[pos : m.start()]
        value = m.group(2) or m.group(4)
        span = {"start": len(text), "end": len(text) + len(value)}
        if m.group(1):
            pii.append({"type": m.group(1), **span})
        else:
            decoys.append({"kind": m.group(3), **span})
        text += value
        pos = m.end()
    text += line[pos:]
    han, latin = bool(_HAN.search(text)), bool(_LATIN.search(text))
    lang = "mixed" if han and latin else "zh" if han else "en"
    return {"text": text, "pii": pii, "decoys": decoys, "lang": lang}


def messages(path: Path) -> list[dict]:
    """Every message of a file in this markup, in order (pii_fresh.txt is all held out)."""
    return [
        parse(line)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def load(split: str, corpus: Path = CORPUS) -> list[dict]:
    """The documents of `split`: "dev" (even lines), "held-out" (odd lines) or "all"."""
    if split == "all":
        return messages(corpus)
    first = {"dev": 0, "held-out": 1}[split]
    return messages(corpus)[first::2]
