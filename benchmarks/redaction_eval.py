"""Leak and over-redaction per type on the seeded Faker corpus (benchmarks/pii_corpus.py).

    .venv/bin/python benchmarks/redaction_eval.py            # dev and held-out splits
    .venv/bin/python benchmarks/redaction_eval.py --presidio # plus plain Presidio
    .venv/bin/python benchmarks/redaction_eval.py --corpus handwritten --split dev
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh     # outside corpus (dev now)
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh2    # second outside corpus
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh3    # third outside corpus
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh4    # fourth outside corpus
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh5    # fifth outside corpus
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh6    # sixth: held out
    .venv/bin/python benchmarks/redaction_eval.py --corpus fresh7    # seventh: held out

The dev split (DEV_SEED) is the one recognizers may be tuned on; the held-out split
(HELD_OUT_SEED) is only reported. Bars (issue 19), on the held-out split: overall leak
<= 1.5%, every type <= 5%, decoys over-redacted <= 2%, PII-free documents unchanged
>= 95%. A value counts as leaked when it still appears verbatim in the redacted text.
`--corpus handwritten` scores the hand-written chat messages (benchmarks/pii_handwritten.py)
instead, with the same dev / held-out rule (both halves are dev data since issue 19's third
round), and `--corpus extra` the recognizer side's own dev messages (pii_names_extra.txt).
`--corpus fresh` scores benchmarks/pii_fresh.txt, written by an outside author who never
saw the recognizers: the whole file is one set (no dev half, `--split` does not apply),
with leaks also per language. It was held out for two scorings; since issue 19's fourth
round it is dev data too (its misses were studied). `--corpus fresh2` scores
benchmarks/pii_fresh2.txt the same way: a second outside author's corpus (other domains,
name origins and formats): held out for two scorings, then its leak kinds (not its strings)
guided issue 19's fifth round. `--corpus fresh3` scores benchmarks/pii_fresh3.txt, a third
one (legal, banking, gaming, dating, developer chat; ids inside YAML, SQL, logs and
tables): held out for two scorings (before and after issue 19's fifth round), dev data
since. `--corpus fresh4` scores benchmarks/pii_fresh4.txt, a fourth outside author's
(pharmacy, insurance, recruiting, e-commerce, group chats, pasted spreadsheets and OCR'd
forms): held out for three scorings, then its leak kinds guided issue 19's seventh round.
`--corpus fresh5` scores benchmarks/pii_fresh5.txt, a fifth outside author's (banking
disputes, travel and visas, telecom, payroll, legal intake, customs, real estate, IT
helpdesk; config, log and CRM pastes, call transcripts): held out for three scorings, then
its leak kinds guided issue 19's eighth round. `--corpus fresh6` scores
benchmarks/pii_fresh6.txt, a sixth outside author's (admissions, sports clubs, ride-hailing,
moving, utilities, hotels, airlines, elderly care, construction, 家政, 驾校, 社保, 闲鱼;
chat exports, vCard, iCal, e-mail headers, HTML/XML) and `--corpus fresh7` a seventh's,
written at the same time by another author (dentists, notaries, funeral homes, police
reports, film sets, marinas, mines, 月子中心, 户籍, 出入境; JSON Lines, GraphQL, SRT, LaTeX,
OCR'd forms): the held-out pair now.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import pii_handwritten
from _privacy_common import PlainPresidio
from pii_corpus import DEV_SEED, HELD_OUT_SEED, generate
from scoring import score

from sentinel.privacy.analyzer import BatchAnalyzer
from sentinel.privacy.redactor import Redactor

BARS = {"leak": 0.015, "leak_per_type": 0.05, "over_redaction": 0.02, "unchanged": 0.95}


def report(
    name: str,
    docs: list[dict],
    findings: list[list],
    outputs: list[str],
    per_language: bool = False,
) -> bool:
    s = score(docs, findings, outputs)
    free = [(d, o) for d, o in zip(docs, outputs, strict=True) if not d["pii"]]
    unchanged = sum(d["text"] == o for d, o in free) / max(1, len(free))
    decoy_hits: Counter[str] = Counter()
    decoy_all: Counter[str] = Counter()
    for d, spans in zip(docs, findings, strict=True):
        for decoy in d["decoys"]:
            decoy_all[decoy["kind"]] += 1
            if any(ps < decoy["end"] and decoy["start"] < pe for _, ps, pe in spans):
                decoy_hits[decoy["kind"]] += 1
    print(f"\n### {name}: {len(docs)} documents ({len(free)} without PII)\n")
    print("| type | n | recall | leaked |")
    print("|---|---:|---:|---:|")
    for t in sorted(s.gold):
        print(f"| {t} | {s.gold[t]} | {s.recall(t):.1%} | {s.leak_rate(t):.1%} |")
    print(f"| **all** | {sum(s.gold.values())} | | **{s.leak_rate():.2%}** |")
    if per_language:
        print("\n| language | documents | values | leaked |\n|---|---:|---:|---:|")
        for lang in ("en", "zh", "mixed"):
            part = [i for i, d in enumerate(docs) if d["lang"] == lang]
            ls = score(*([seq[i] for i in part] for seq in (docs, findings, outputs)))
            print(f"| {lang} | {len(part)} | {sum(ls.gold.values())} | {ls.leak_rate():.1%} |")
    print("\n| decoy kind | n | over-redacted |\n|---|---:|---:|")
    for kind in sorted(decoy_all):
        print(f"| {kind} | {decoy_all[kind]} | {decoy_hits[kind] / decoy_all[kind]:.1%} |")
    print(f"| **all** | {s.decoys} | **{s.over_redaction:.2%}** |")
    print(f"\nPII-free documents unchanged: {unchanged:.1%}")
    ok = (
        s.leak_rate() <= BARS["leak"]
        and all(s.leak_rate(t) <= BARS["leak_per_type"] for t in s.gold)
        and s.over_redaction <= BARS["over_redaction"]
        and unchanged >= BARS["unchanged"]
    )
    print(f"bars met: {'yes' if ok else 'NO'}")
    return ok


def show_over(docs: list[dict], results: list, redactor: Redactor, limit: int) -> None:
    """Each over-redacted decoy (or change to a PII-free document) and what took it.

    Precision work needs the recognizer behind a finding, not only the decoy's kind: the
    same kind (a game title, an order number) is lost to different recognizers, so the
    documents concerned are analyzed once more for the raw findings.
    """
    shown, analyzer = 0, BatchAnalyzer(redactor.policy)
    for d, r in zip(docs, results, strict=True):
        if shown >= limit:
            return
        over = [
            x
            for x in d["decoys"]
            if any(e.start < x["end"] and x["start"] < e.end for e in r.entities)
        ]
        if not over and (d["pii"] or r.text == d["text"]):
            continue
        for f in analyzer.analyze_many([d["text"]])[0]:
            kinds = [x["kind"] for x in over if f.start < x["end"] and x["start"] < f.end]
            gold = any(f.start < p["end"] and p["start"] < f.end for p in d["pii"])
            if not kinds and gold:
                continue
            shown += 1
            name = (f.recognition_metadata or {}).get("recognizer_name", "?")
            print(
                "OVER",
                "/".join(kinds) or ("pii-free" if not d["pii"] else "unlabelled"),
                repr(d["text"][f.start : f.end]),
                f"{f.entity_type} {f.score:.2f} {name}",
                "\n    ",
                d["text"],
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presidio", action="store_true", help="also score plain Presidio")
    parser.add_argument("--split", choices=("dev", "held-out", "both"), default="both")
    parser.add_argument(
        "--corpus",
        choices=("faker", "handwritten", "extra", *pii_handwritten.FRESH_CORPORA),
        default="faker",
    )
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--show-leaks", type=int, default=0, help="print N leaked values")
    parser.add_argument(
        "--show-over",
        type=int,
        default=0,
        help="print N over-redacted decoys and changed PII-free documents, with the entity "
        "(type, text, score, recognizer) that took each",
    )
    args = parser.parse_args()
    splits = {"dev": DEV_SEED, "held-out": HELD_OUT_SEED}
    chosen = splits if args.split == "both" else {args.split: splits[args.split]}
    fresh = args.corpus.startswith("fresh")
    if fresh:
        # the others' misses have guided recognizer rounds
        held_out = args.corpus in pii_handwritten.HELD_OUT
        chosen = {"whole file, " + ("held-out" if held_out else "dev"): None}
    redactor = Redactor()
    plain = PlainPresidio() if args.presidio else None
    ok = True
    for split, seed in chosen.items():
        faker = args.corpus == "faker"
        if fresh:
            path = pii_handwritten.FRESH_CORPORA[args.corpus]
            docs = pii_handwritten.messages(path)
        elif faker:
            docs = generate(seed, args.docs)
        elif args.corpus == "extra":  # all of it is dev data: one split
            if split != "dev":
                continue
            docs = pii_handwritten.load("all", pii_handwritten.EXTRA)
        else:
            docs = pii_handwritten.load(split)
        t0 = time.perf_counter()
        ours = redactor.redact_many([d["text"] for d in docs])
        elapsed = time.perf_counter() - t0
        findings = [[(e.type, e.start, e.end) for e in r.entities] for r in ours]
        outputs = [r.text for r in ours]
        ok &= report(
            f"Sentinel, {args.corpus} {split} split"
            + (f" (seed {seed}, {elapsed:.1f} s)" if faker else f" ({elapsed:.1f} s)"),
            docs,
            findings,
            outputs,
            per_language=fresh,
        )
        if args.show_leaks:
            shown = 0
            for d, out, spans in zip(docs, outputs, findings, strict=True):
                leaks = [p for p in d["pii"] if d["text"][p["start"] : p["end"]] in out]
                hits = [
                    x
                    for x in d["decoys"]
                    if any(ps < x["end"] and x["start"] < pe for _, ps, pe in spans)
                ]
                if (
                    leaks or hits or (not d["pii"] and out != d["text"])
                ) and shown < args.show_leaks:
                    shown += 1
                    print(
                        "LEAK" if leaks else "OVER",
                        [(p["type"], d["text"][p["start"] : p["end"]]) for p in leaks],
                        [(x["kind"], d["text"][x["start"] : x["end"]]) for x in hits],
                        "\n   ",
                        out,
                    )
        if args.show_over:
            show_over(docs, ours, redactor, args.show_over)
        if plain is not None:
            theirs = [plain.redact(d["text"]) for d in docs]
            report(
                f"plain Presidio, {split} split",
                docs,
                [[(r.entity_type, r.start, r.end) for r in res] for _, res in theirs],
                [text for text, _ in theirs],
                per_language=fresh,
            )
    redactor.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
