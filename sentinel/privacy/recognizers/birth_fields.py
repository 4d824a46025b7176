"""Dates of birth without a year after "born", and a record's date right after its gender.

"born on May 3" is still a birth date: day and month are two thirds of the identifier,
and `birth_date` takes a yearless date only after "birthday". A CV or a patient row often
carries no birth word at all: "Name | 男 | 1961年4月2日 | 手机", "Dana Ruiz, F, 1979-03-04":
a full date as the field right after a gender field is the person's birth date (what else
a record puts next to the gender is the age, not a date). Not when the table's header
names that column as another date (Visit date), nor when the next field is an event's
outcome (launched, shipped, negative): then the date is the event's. "born" of an animal,
a product, a line or a project, and "born on the 4th of July" as a song's title, is no
person's birth.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.birth_date import _MONTH, _NOT_PERSON
from sentinel.privacy.recognizers.tables import column_cells

# "born", or a gender field: Chinese 男 / 女, the English words and the one-letter codes.
# A field's spaces never span a line break: a line start is a start of its own, and `\s*`
# re-read a whole run of line breaks from every one of them (quadratic in the run).
GATE = regex.compile(
    r"\bborn\b|(?:^|[|,，\t]|\\n)[^\S\n]*(?:男|女|male|female|[MF])[^\S\n]*[|,，\t]",
    regex.IGNORECASE | regex.MULTILINE,
)

_YEARLESS = (
    r"(?<=\bborn\s+(?:on\s+)?(?:the\s+)?)"
    rf"(?<!\b{_NOT_PERSON}[^\S\n]{{1,3}}(?:was|were|is|are|got)[^\S\n]{{1,3}}born\s+(?:on\s+)?(?:the\s+)?)"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH})"
    r"(?![\d,]*\s*\d{4})(?![\d:])(?!\w)(?!\s+(?:song|album|film|movie|parade|sale|weekend))"
)
_FULL_DATE = (
    r"(?:(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}"
    r"|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号號]?)"
)
_AFTER_GENDER = (
    r"(?<=(?:^|[|,，\t]|\\n)[^\S\n]*(?:男|女|male|female|[MF])[^\S\n]*[|,，\t][^\S\n]*)"
    + _FULL_DATE
    + r"(?=\s*(?:[|,，\t]|\\n|$))"
    # The next field is what happened on that date: an event's, not a birth.
    r"(?!\s*[|,，\t]\s*(?:launched|shipped|delivered|released|negative|positive|pending|"
    r"completed|cancell?ed|resolved|closed|opened)\b)"
)
# A header naming the column as another date (Visit date, 就诊日期).
_OTHER_DATE_HEADER = regex.compile(
    r"(?!.*birth)[\w ]*(?:date|day)|(?!.*出生)\w*(?:日期|时间)", regex.IGNORECASE
)


class BirthFieldRecognizer(PatternRecognizer):
    """The two patterns, less dates in a column the header names as another date."""

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        if not found:
            return found
        cells = list(column_cells(text, _OTHER_DATE_HEADER))
        return [r for r in found if not any(s <= r.start and r.end <= e for s, e in cells)]


def birth_field_recognizer(language: str) -> PatternRecognizer:
    return BirthFieldRecognizer(
        supported_entity="DATE_OF_BIRTH",
        name="BirthFieldRecognizer",
        supported_language=language,
        patterns=[
            Pattern("born_without_year", _YEARLESS, 0.75),
            Pattern("date_after_gender", _AFTER_GENDER, 0.75),
        ],
        global_regex_flags=regex.IGNORECASE | regex.MULTILINE,
    )
