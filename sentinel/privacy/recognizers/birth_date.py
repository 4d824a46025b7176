"""Dates of birth: a date right after born / birthday / DOB / 出生 / 生日, or before 出生.

A date alone is not personal data (release dates, deadlines), and DATE_TIME findings
would wipe the timestamps that make a stored conversation useful; a date following a
birth context word is one of the identifiers GDPR and HIPAA name, so only those count.
After such a word a bare year ("born 1955", "year of birth: 1990") or a month and year
counts too, and so do form fields ("date_of_birth": "...", "DOB (mm/dd/yyyy): ..."),
Taiwan's Minguo years (民國79年6月18日) and dates in Chinese numerals.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

# Also Cantonese 出世, Japanese 生年月日, OCR's spaced "D . O . B", and the birth-date words
# of German, Spanish, French, Portuguese, Italian and Turkish forms.
GATE = re.compile(
    r"born|birth|bday|dob|d\.o\.b|d \. o \. b|yob|出生|生日|生于|生於|出世|生年月日|geburt|"
    r"nacimiento|naissance|nascimento|nascita|doğum|dogum",
    re.IGNORECASE,
)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}"
    r"|(?:民[国國]\s*)?\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号號]?"
    r"|(?:民[国國])?[〇零一二三四五六七八九十]{2,4}年[一二三四五六七八九十]{1,3}月"
    r"[一二三四五六七八九十]{1,3}[日号號]"
    rf"|{_MONTH}\s+(?:19|20)\d{{2}}|\d{{1,2}}/(?:19|20)\d{{2}}"
    r"|(?:19|20)\d{2}(?:\s*年)?(?![\d/.-]))"
)
# A birthday without its year ("my birthday is March 8th", "生日是5月6日"): only right
# after birthday / 生日 and a verb or colon, never "birthday party on Friday".
_DAY = (
    r"(?<=(?:\bbirthday|\bbday|生日)\s*(?:is|'s|:|：|是|为|為)\s*(?:on\s+)?(?:the\s+)?)"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号號]?)(?![\d,]*\s*\d{4})(?!\d)"
)
# Subjects that are born but are no person (the puppies were born on May 3).
_NOT_PERSON = (
    r"(?:pupp(?:y|ies)|kittens?|cubs?|foals?|calf|calves|lambs?|piglets?|chicks?|animals?|"
    r"dogs?|cats?|litter|products?|lines?|projects?|company|brand|idea|band|startup|series|"
    r"app|movement|tradition|festival|tool|library|framework|feature|platform|business|"
    r"game|show|podcast|newsletter|channel|concept|plan|initiative|community|club)"
)
# "born" of a person: not after such a subject ("the idea was born on ...").
_PERSON_BORN = rf"(?<!\b{_NOT_PERSON}[^\S\n]{{1,3}}(?:was|were|is|are|got)[^\S\n]{{1,3}})\bborn"
_CONTEXT = (
    rf"(?<=(?:{_PERSON_BORN}"
    r"|birth[\s_-]*(?:date|year)|date[\s_-]+of[\s_-]+birth|year[\s_-]+of[\s_-]+birth"
    r"|\bbirthday|\bdob|\bd\.o\.b\.?|\byob|出生日期|出生年月日|出生年份|出生[于於]|出生|生日|生[于於])"
    r"[\"']?\s*(?:\([^()\n]{1,20}\)\s*)?"
    r"(?:is|was|on|in|:|：|=|-|–|是|为|為|在)?\s*[\"']?\s*(?:on\s+|in\s+)?(?:the\s+)?)"
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
            Pattern("birthday_no_year", _DAY, 0.8),
            # Calendars whose month names no list here holds (Ethiopian, Persian, Hebrew):
            # a capitalized word, a day and a year, only right after "born on".
            Pattern(
                "born_on_other_calendar",
                rf"(?<={_PERSON_BORN}\s+on\s+)(?-i:[A-Z][a-z]{{2,}})\s+\d{{1,2}},?\s+\d{{4}}(?!\d)",
                0.75,
            ),
            Pattern("date_then_birth", r"(?<!\d)" + _DATE + _BEFORE_BIRTH, 0.85),
        ],
        global_regex_flags=regex.IGNORECASE,
    )
