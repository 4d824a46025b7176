"""Dates of birth: a date right after born / birthday / DOB / 出生 / 生日, or before 出生.

A date alone is not personal data (release dates, deadlines), and DATE_TIME findings
would wipe the timestamps that make a stored conversation useful; a date following a
birth context word is one of the identifiers GDPR and HIPAA name, so only those count.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"born|birth|dob|d\.o\.b|出生|生日|生于", re.IGNORECASE)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
    r"|\d{4}年\d{1,2}月\d{1,2}[日号]?)"
)
_CONTEXT = (
    r"(?<=(?:\bborn|\bbirth\s*date|\bdate\s+of\s+birth|\bbirthday|\bdob|\bd\.o\.b\.?"
    r"|出生日期|出生于|出生|生日|生于)"
    r"\s*(?:is|was|on|in|:|：|是|为|在)?\s*(?:on\s+)?(?:the\s+)?)"
)
# Chinese puts the date first: 1990年5月6日出生, 生于 after it too.
_BEFORE_BIRTH = r"(?=\s*(?:出生|生的|生人|生于))"


def birth_date_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="DATE_OF_BIRTH",
        name="BirthDateRecognizer",
        supported_language=language,
        patterns=[
            Pattern("date_of_birth", _CONTEXT + _DATE + r"(?![\d])", 0.85),
            Pattern("date_then_birth", r"(?<!\d)" + _DATE + _BEFORE_BIRTH, 0.85),
        ],
        global_regex_flags=regex.IGNORECASE,
    )
