"""Passport numbers, only in passport context.

Nine digits, or a letter and eight digits, are what order, ticket and tracking numbers
look like too, so a number is a passport number only when "passport" / "护照" comes
just before it (with "no.", "number", "号码", ":" and the like in between). The shapes
differ by country (China E/G + 8 digits, US 9 digits, India a letter + 7 digits,
Germany 9 letters and digits, France 2 digits + 2 letters + 5 digits), and ICAO 9303
only fixes at most 9 letters and digits, so after that context any 6-9 such characters
with at least 4 digits count. The context may be a field name (passport_no, "passportNumber":),
traditional 護照, Japanese 旅券 or Korean 여권, with a few words between ("passport number on
file is", "護照號碼為").

Every run of white space in a context is bounded (at most 6): the contexts sit in
lookbehinds tried at each position, and an unbounded `\\s*` there re-read a run of line
breaks after "passport" from every position in it (64 KB of them took 79 s).
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"passport|护照|護照|旅券|여권", re.IGNORECASE)

_CONTEXT = (
    r"(?<=(?:passport|护照|護照|旅券|여권)[\s_-]?(?:no\.?|number|num|#|号码|號碼|号|號|编号|編號|id|번호)?"
    r"[\"']?\s{0,6}(?:\((?:[A-Za-z][A-Za-z .]{1,24}|[\u4e00-\u9fff]{1,4})\)\s{0,6})?"
    r"(?:on\s{1,3}file\s{1,3})?"
    r"(?:is|was|reads|=|[:：是为為]|-)?\s{0,6}[\"']?\s{0,6})"
)


def passport_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="PASSPORT",
        name="PassportRecognizer",
        supported_language=language,
        patterns=[
            Pattern("cn_passport", _CONTEXT + r"(?:E[A-Z]?|G|D|P|S)\d{7,8}(?![A-Za-z0-9])", 0.85),
            # A few words between ("passport of my son is 512345678"): digits only, or one
            # or two letters and 7-8 digits.
            Pattern(
                "passport_later",
                r"(?<=(?:passport|护照|護照|旅券|여권)[^\n\d:：]{1,30}?(?:\bis|[:：是为為])\s{0,6})"
                r"(?:[A-Z]{1,2}\d{7,8}|\d{8,9})(?![A-Za-z0-9])",
                0.75,
            ),
            # "passport abroad, old number X1049372": a letter-prefixed number after a
            # number word a few words later.
            Pattern(
                "passport_number_later",
                r"(?<=(?:passport|护照|護照)[^\n\d:：]{1,30}?\b(?:number|no\.?|num)\s{0,6}[:：#]?\s{0,6})"
                r"[A-Z]{1,2}\d{6,8}(?![A-Za-z0-9])",
                0.75,
            ),
            # "passport ...? no that's my wife's, mine is 647201385": whose it is, later on.
            Pattern(
                "passport_owner_later",
                r"(?<=(?:passport|护照|護照)[^\n]{0,60}?\b(?:mine|his|hers|it)(?:'s|’s|\s{1,6}is)\s{0,6})"
                r"(?:[A-Z]{1,2}\d{6,8}|\d{8,9})(?![A-Za-z0-9])",
                0.75,
            ),
            Pattern(
                "icao_passport",
                _CONTEXT + r"(?=(?:[A-Z]*\d){4})[A-Z0-9]{6,9}(?![A-Za-z0-9])",
                0.8,
            ),
        ],
        global_regex_flags=regex.IGNORECASE,
    )
