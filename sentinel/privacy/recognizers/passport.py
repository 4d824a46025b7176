"""Passport numbers (China E/G + 8 digits, US 9 characters), only in passport context.

Nine digits, or a letter and eight digits, are what order, ticket and tracking numbers
look like too, so a number is a passport number only when "passport" / "护照" comes
just before it (with "no.", "number", "号码", ":" and the like in between).
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
            Pattern("us_passport", _CONTEXT + r"[A-Z]?\d{8,9}(?![A-Za-z0-9])", 0.8),
        ],
        global_regex_flags=regex.IGNORECASE,
    )
