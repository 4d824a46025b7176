"""Passport numbers, only in passport context.

Nine digits, or a letter and eight digits, are what order, ticket and tracking numbers
look like too, so a number is a passport number only when "passport" / "护照" comes
just before it (with "no.", "number", "号码", ":" and the like in between). The shapes
differ by country (China E/G + 8 digits, US 9 digits, India a letter + 7 digits,
Germany 9 letters and digits, France 2 digits + 2 letters + 5 digits), and ICAO 9303
only fixes at most 9 letters and digits, so after that context any 6-9 such characters
with at least 4 digits count.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"passport|护照", re.IGNORECASE)

_CONTEXT = (
    r"(?<=(?:passport|护照)\s*(?:no\.?|number|num|#|号码|号|编号|id)?\s*(?:is|[:：是为])?\s*)"
)


def passport_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="PASSPORT",
        name="PassportRecognizer",
        supported_language=language,
        patterns=[
            Pattern("cn_passport", _CONTEXT + r"(?:E[A-Z]?|G|D|P|S)\d{7,8}(?![A-Za-z0-9])", 0.85),
            Pattern(
                "icao_passport",
                _CONTEXT + r"(?=(?:[A-Z]*\d){4})[A-Z0-9]{6,9}(?![A-Za-z0-9])",
                0.8,
            ),
        ],
        global_regex_flags=regex.IGNORECASE,
    )
