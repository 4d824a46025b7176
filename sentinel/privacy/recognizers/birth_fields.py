"""Dates of birth without a year after "born", and a record's date right after its gender.

"born on May 3" is still a birth date: day and month are two thirds of the identifier,
and `birth_date` takes a yearless date only after "birthday". A CV or a patient row often
carries no birth word at all: "Name | 男 | 1961年4月2日 | 手机", "Dana Ruiz, F, 1979-03-04":
a full date as the field right after a gender field is the person's birth date (what else
a record puts next to the gender is the age, not a date).
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.recognizers.birth_date import _MONTH

# "born", or a gender field: Chinese 男 / 女, the English words and the one-letter codes.
# A field's spaces never span a line break: a line start is a start of its own, and `\s*`
# re-read a whole run of line breaks from every one of them (quadratic in the run).
GATE = regex.compile(
    r"\bborn\b|(?:^|[|,，\t]|\\n)[^\S\n]*(?:男|女|male|female|[MF])[^\S\n]*[|,，\t]",
    regex.IGNORECASE | regex.MULTILINE,
)

_YEARLESS = (
    r"(?<=\bborn\s+(?:on\s+)?(?:the\s+)?)"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH})"
    r"(?![\d,]*\s*\d{4})(?![\d:])"
)
_FULL_DATE = (
    r"(?:(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}"
    r"|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号號]?)"
)
_AFTER_GENDER = (
    r"(?<=(?:^|[|,，\t]|\\n)[^\S\n]*(?:男|女|male|female|[MF])[^\S\n]*[|,，\t][^\S\n]*)"
    + _FULL_DATE
    + r"(?=\s*(?:[|,，\t]|\\n|$))"
)


def birth_field_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="DATE_OF_BIRTH",
        name="BirthFieldRecognizer",
        supported_language=language,
        patterns=[
            Pattern("born_without_year", _YEARLESS, 0.75),
            Pattern("date_after_gender", _AFTER_GENDER, 0.75),
        ],
        global_regex_flags=regex.IGNORECASE | regex.MULTILINE,
    )
