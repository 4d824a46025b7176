"""Check the held-out corpora's labels without the redactor (their authors never ran it).

    python3 scripts/pii_fresh2_check.py [FILE]   # errors, then counts per type and language
    python3 scripts/pii_fresh2_check.py benchmarks/pii_fresh3.txt

The corpus is held out, so this checks only what the markup can get wrong: every label a
known type, every span equal to its value, no half-written markup left in the text, no
labelled value also present unlabelled (the scorer would count it as leaked), checksums
of cards, IBANs, PRC ids and SSNs, and JWTs that decode. It prints the figures the
corpus was described with (messages, PII-free share, decoys, languages).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from pii_handwritten import parse  # the loader redaction_eval.py uses

DEFAULT = Path(__file__).resolve().parents[1] / "benchmarks" / "pii_fresh2.txt"
CORPUS = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
TYPES = {
    "PERSON", "PHONE_NUMBER", "LOCATION", "EMAIL_ADDRESS", "DATE_OF_BIRTH", "CREDIT_CARD",
    "IP_ADDRESS", "PASSPORT", "IM_ACCOUNT", "US_SSN", "IBAN_CODE", "CN_RESIDENT_ID",
    "CN_LICENSE_PLATE", "API_KEY", "URL", "JWT",
}  # fmt: skip
_LEFTOVER = re.compile(r"\{[A-Za-z_]+\||\[[a-z_]+\|")
# Characters written only in traditional Chinese, to count those messages.
_TRADITIONAL = re.compile(
    "[們這個與說應該為發會臺灣裡對機號區買時請問麼體電話樓週嗎單過後確認處現從點選擇貨團護聯絡]"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    v = value.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in v[4:] + v[:4])) % 97 == 1


def cn_id_ok(value: str) -> bool:
    check = "10X98765432"[
        sum(int(c) * w for c, w in zip(value[:17], _ID_WEIGHTS, strict=True)) % 11
    ]
    return len(value) == 18 and value[-1].upper() == check


def ssn_ok(value: str) -> bool:
    digits = re.sub(r"\D", "", value)  # written with dashes, spaces or neither
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
        and len(digits) == 9
        and digits not in ("078051120", "219099999")
    )


def jwt_ok(value: str) -> bool:
    parts = value.split(".")
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return False
    return len(parts) == 3 and "alg" in header


def problems(lineno: int, raw: str, doc: dict) -> list[str]:
    text, out = doc["text"], []
    if _LEFTOVER.search(text):
        out.append("markup left in the text")
    for p in doc["pii"]:
        value = text[p["start"] : p["end"]]
        if p["type"] not in TYPES:
            out.append(f"unknown type {p['type']}")
        if value != value.strip() or not value:
            out.append(f"{p['type']} span has outer spaces: {value!r}")
        spans = [(q["start"], q["end"]) for q in doc["pii"]]
        found = [m.start() for m in re.finditer(re.escape(value), text)]
        if any(not any(s <= i and i + len(value) <= e for s, e in spans) for i in found):
            out.append(f"{p['type']} {value!r} also occurs unlabelled")
        digits = re.sub(r"\D", "", value)
        if p["type"] == "CREDIT_CARD" and not luhn(digits):
            out.append(f"card fails Luhn: {value}")
        if p["type"] == "IBAN_CODE" and not iban_ok(value):
            out.append(f"IBAN fails mod 97: {value}")
        before = text[max(0, p["start"] - 8) : p["start"]]
        typed_after_id_word = "身份证" in before or "身份證" in before
        if p["type"] == "CN_RESIDENT_ID" and not (cn_id_ok(value) or typed_after_id_word):
            out.append(f"PRC id with a wrong check digit away from 身份证: {value}")
        if p["type"] == "US_SSN" and not ssn_ok(value):
            out.append(f"SSN outside SSA rules: {value}")
        if p["type"] == "JWT" and not jwt_ok(value):
            out.append(f"JWT does not decode: {value}")
    for d in doc["decoys"]:
        if any(p["start"] < d["end"] and d["start"] < p["end"] for p in doc["pii"]):
            out.append(f"decoy overlaps a label: {text[d['start'] : d['end']]!r}")
    return [f"{CORPUS.name}:{lineno}: {msg}" for msg in out]


def main() -> int:
    docs, errors, seen = [], [], {}
    for lineno, raw in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        doc = parse(raw)
        errors += problems(lineno, raw, doc)
        if doc["text"] in seen:
            errors.append(f"{CORPUS.name}:{lineno}: duplicate of line {seen[doc['text']]}")
        seen[doc["text"]] = lineno
        docs.append(doc)
    print("\n".join(errors) or "labels ok")
    types = Counter(p["type"] for d in docs for p in d["pii"])
    kinds = Counter(x["kind"] for d in docs for x in d["decoys"])
    free = sum(not d["pii"] for d in docs)
    langs = Counter(d["lang"] for d in docs)
    trad = sum(bool(_TRADITIONAL.search(d["text"])) for d in docs)
    print(f"messages {len(docs)}, PII-free {free} ({free / len(docs):.1%})")
    print(f"languages (loader's rule) {dict(langs)}")
    print(f"messages with traditional characters: {trad}")
    print(f"PII values {sum(types.values())}: {dict(types.most_common())}")
    print(f"decoys {sum(kinds.values())}: {dict(kinds.most_common())}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
