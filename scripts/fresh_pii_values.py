"""Checksummed values for benchmarks/pii_fresh.txt, and a check of the labels in it.

    .venv/bin/python scripts/fresh_pii_values.py values   # print seeded valid values
    .venv/bin/python scripts/fresh_pii_values.py check    # verify every labelled value

The fresh corpus is written by hand, but a card, IBAN, PRC id or SSN a person types is
valid; a made-up number with a bad checksum would test the wrong thing (a checksum
recognizer is right to keep it). `values` prints seeded candidates to paste into
messages; `check` fails on any labelled value whose checksum or SSA rule is wrong, except
PRC ids deliberately marked with a wrong check digit (`{CN_RESIDENT_ID|...}` preceded by
`身份证` and listed in WRONG_CHECK_OK), and on any value labelled more than twice.
"""

from __future__ import annotations

import random
import re
import sys
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "pii_fresh.txt"
_MARK = re.compile(r"\{([A-Z_]+)\|([^}]+)\}")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_AREAS = ["110105", "310115", "440305", "330106", "510107", "420111", "320102", "370202"]
_AREAS += ["210203", "350203", "610113", "500103", "430104", "120101", "130102", "410105"]
# Ids typed with a wrong last character right after 身份证 (the user's id all the same).
WRONG_CHECK_OK = {"44030519850712345X", "330106199211083427", "510107197703150018"}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + c for c in "0123456789" if luhn_ok(body + c))


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def iban_make(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


def id_check(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_ok(value: str) -> bool:
    v = value.upper()
    return len(v) == 18 and v[:17].isdigit() and id_check(v[:17]) == v[17]


def ssn_ok(value: str) -> bool:
    d = value.replace("-", "").replace(" ", "")
    if len(d) != 9 or not d.isdigit():
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    advertised = {"078051120", "219099999", "123456789"}
    bad_area = area in ("000", "666") or area[0] == "9"
    return not bad_area and group != "00" and serial != "0000" and d not in advertised


def values(seed: int = 20261202) -> None:
    rng = random.Random(seed)
    cards = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15)]
    cards += [("6011", 16), ("62", 16), ("3530", 16), ("4", 16), ("62", 19)]
    print("# credit cards")
    for prefix, length in cards * 3:
        print(luhn_complete(prefix, length, rng))
    print("# IBANs")
    shapes = {"DE": "18n", "FR": "23n", "ES": "20n", "NL": "10n", "IT": "1a22n"}
    shapes |= {"GB": "14n", "BE": "12n", "AT": "16n", "CH": "17n", "PL": "24n"}
    banks = {"GB": ["NWBK", "BARC", "HBUK", "LOYD", "MIDL"], "NL": ["ABNA", "INGB", "RABO"]}
    for country, shape in list(shapes.items()) * 3:
        bban = rng.choice(banks.get(country, [""]))
        for count, kind in re.findall(r"(\d+)([nac])", shape):
            pool = {"n": "0123456789", "a": "ABCDEFGHJKLMNPRSTUVWXYZ"}.get(kind)
            pool = pool or "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
            bban += "".join(rng.choice(pool) for _ in range(int(count)))
        print(iban_make(country, bban))
    print("# PRC resident ids")
    for _ in range(40):
        year = rng.randint(1958, 2004)
        first17 = (
            rng.choice(_AREAS)
            + f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            + f"{rng.randint(0, 999):03d}"
        )
        print(first17 + id_check(first17))
    print("# US SSNs")
    shown = 0
    while shown < 40:
        d = f"{rng.randint(1, 899):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        if ssn_ok(d):
            print(f"{d[:3]}-{d[3:5]}-{d[5:]}")
            shown += 1


def check(path: Path = CORPUS) -> int:
    errors, seen = [], Counter()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            continue
        for m in _MARK.finditer(line):
            kind, value = m.group(1), m.group(2)
            seen[(kind, value.lower())] += 1
            digits = re.sub(r"[ -]", "", value)
            bad = (
                (kind == "CREDIT_CARD" and not luhn_ok(digits))
                or (kind == "IBAN_CODE" and not iban_ok(value))
                or (kind == "US_SSN" and not ssn_ok(value))
                or (
                    kind == "CN_RESIDENT_ID"
                    and not id_ok(value)
                    and not (value in WRONG_CHECK_OK and "身份证" in line[: m.start()][-8:])
                )
            )
            if bad:
                errors.append(f"{path.name}:{lineno}: {kind} {value!r} fails its checksum")
    for (kind, value), n in seen.items():
        if n > 2:
            errors.append(f"{path.name}: {kind} {value!r} labelled {n} times (at most 2)")
    print("\n".join(errors) or "all labelled values valid")
    return 1 if errors else 0


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    if mode == "values":
        values()
        sys.exit(0)
    sys.exit(check())
