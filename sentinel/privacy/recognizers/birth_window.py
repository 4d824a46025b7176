"""Dates of birth a few words after the birth word, in tables, and written twice.

`birth_date` takes a date right after born / DOB / 生日. People also put words between
("your date of birth? A: March 3rd, 1987", "生日写成了2019年5月31日", "asks SSN, DOB and
two references. mine: ..., Oct 30 1995"), list several ("both DOBs: me 2 Aug 1979, my
husband ... 19 Dec 1976"), paste tables whose header names the column (| 姓名 | 生日 |,
`name,dob,phone`) and write the same date again in another format. So here a full date
(day, month and year; compact DDMMYYYY / YYYYMMDD only in such context) is a birth date
when it is the first date within a short window after a birth word, with no other date
label in between (start date, 事故日期, enrolled, issued ...) and no line break (a table's
header is read by column instead): the first date after "born" is the birth date, the
next one usually is not. A plural birth word (DOBs, 生日们
is rare, "dates of birth") takes every date of the window. A value typed wrongly
(31/02/1991) is still someone's birth date, so day and month are only range-checked.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.birth_date import _NOT_PERSON, GATE
from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.tables import LINE_BREAK, column_cells

ENTITY = "DATE_OF_BIRTH"
_WINDOW = 70  # characters between the birth word (or the previous date) and a date

# A birthday that is an event (party, sale, cake, 生日蛋糕) says nothing about a date's owner.
_EVENT = (
    r"party|sale|cake|card|gift|present|dinner|lunch|trip|deal|discount|offer|bash|week|"
    r"month|surprise|celebration|wishes|event|promo"
)
# Cantonese, Japanese and European forms' words for the date of birth.
_FOREIGN = (
    r"出世日期|出世|生年月日|geburtsdatum|geburtstag|geboren|fecha\s+de\s+nacimiento|"
    r"date\s+de\s+naissance|\bnée?\s+le\b|data\s+de\s+nascimento|data\s+di\s+nascita|"
    r"doğum\s+tarihi|dogum\s+tarihi"
)
# An idea, a product or a band is "born out of" or "born from" something; a person is
# born to parents, in a place, on a date.
_NO_PERSON_AFTER = r"(?!\s+(?:out\s+of|from)\b)"
_TRIGGER = regex.compile(
    r"\b(?:dates?[\s_-]+of[\s_-]+birth|birth[\s_-]*dates?|d\.?o\.?b\.?s?"
    rf"|(?<!\b{_NOT_PERSON}[^\S\n]{{1,3}}(?:was|were|is|are|got)[^\S\n]{{1,3}})born{_NO_PERSON_AFTER}"
    rf"|(?:birthdays?|bdays?)(?!\s+(?:{_EVENT})))\b"
    r"|出生日期|出生年月日|出生证明|出生|生日(?!蛋糕|会|派对|礼物|快乐|聚会|宴|活动|优惠|月)|生[于於]"
    rf"|d\s\.\s?o\s\.\s?b|{_FOREIGN}",
    regex.IGNORECASE,
)
_PLURAL = re.compile(r"dates\b|dobs\b|birthdays\b|both|两人|两个|他们|我们", re.IGNORECASE)

_MON = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS = {m[:3]: i for i, m in enumerate(_MON.replace("(?:", "").split("|"), 1)}
_ZH_DIGIT = "〇零一二三四五六七八九"
_ZH_NUM = r"[〇零一二三四五六七八九十]"
_SEP = r"[/.-]"
# A numeric date ends where no other number goes on; a sentence's full stop may follow
# ("it's 07/03/1993."), a fourth dotted group (an IP or a version) may not.
_END = r"(?![\d:/-]|\.\d)"
_DATE = re.compile(
    rf"(?P<md>\b(?P<mon1>{_MON})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}}))"
    rf"|(?P<dm>\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MON})\.?,?\s+(?P<y2>\d{{4}}))"
    rf"|(?P<num>(?<![\d.:/-])(?P<a>\d{{1,2}}){_SEP}(?P<b>\d{{1,2}}){_SEP}(?P<y3>\d{{4}}){_END})"
    rf"|(?P<iso>(?<![\d.:/-])(?P<y4>\d{{4}}){_SEP}(?P<m4>\d{{1,2}}){_SEP}(?P<d4>\d{{1,2}}){_END})"
    r"|(?P<zh>(?<!\d)(?P<y5>\d{4})\s*年\s*(?P<m5>\d{1,2})\s*月\s*(?P<d5>\d{1,2})\s*[日号號]?)"
    rf"|(?P<zhn>{_ZH_NUM}{{4}}年(?:[正腊臘冬]|{_ZH_NUM}{{1,2}})月(?:初|廿)?{_ZH_NUM}{{1,2}}[日号號]?)"
    r"|(?P<compact>(?<![\w.-])(?:19|20)\d{6}(?![\w.-])|(?<![\w.-])[0-3]\d[01]\d(?:19|20)\d{2}(?![\w.-]))",
    re.IGNORECASE,
)
# Anything else that reads as a date or a date's label: after it, a later date is not
# the birth date ("born 1990 ..., start date 2025-01-06", "出生日期...，事故日期...").
_BLOCKER = re.compile(
    rf"\b(?:start(?:ed|s|ing)?|since|enrol+(?:ed|led)?|issued?|expir\w*|valid|until|due|"
    rf"joined|hired|married|deadline|appointment|visit|arriv\w*|depart\w*|signed|date|"
    rf"ends?|ending|till)\b"
    rf"|日期|入职|入學|入学|有效|到期|签发|簽發|截止|结婚|結婚|预约|預約"
    rf"|\b(?:{_MON})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:{_MON})\b|\d{{1,2}}\s*月\s*\d{{1,2}}",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"dob|d\.o\.b\.?|date[\s_-]*of[\s_-]*birth|birth[\s_-]*date|birthday|born|"
    rf"生日|出生日期|出生年月日?|出生|{_FOREIGN}",
    re.IGNORECASE,
)


def _plausible(match: re.Match[str]) -> bool:
    """Day 1-31, month 1-12, year 1900-2099: a wrongly typed day (31/02) still counts."""
    g = match.groupdict()
    if g["zhn"]:
        return True
    if g["compact"]:
        s = g["compact"]
        ymd = (int(s[:4]), int(s[4:6]), int(s[6:]))
        dmy = (int(s[4:]), int(s[2:4]), int(s[:2]))
        return any(_ok(*v) for v in (ymd, dmy))
    if g["md"] or g["dm"]:
        return _ok(int(g["y1"] or g["y2"]), 1, int(g["d1"] or g["d2"]))
    if g["num"]:
        a, b = int(g["a"]), int(g["b"])
        return _ok(int(g["y3"]), min(a, b), max(a, b)) or _ok(int(g["y3"]), a, b)
    if g["iso"]:
        return _ok(int(g["y4"]), int(g["m4"]), int(g["d4"]))
    return _ok(int(g["y5"]), int(g["m5"]), int(g["d5"]))


def _ok(year: int, month: int, day: int) -> bool:
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _keys(match: re.Match[str]) -> set[tuple[int, int, int]]:
    """Every (year, month, day) the written date can mean (02/03 is either order)."""
    g = match.groupdict()
    if g["md"] or g["dm"]:
        mon = _MONTHS[(g["mon1"] or g["mon2"]).lower()[:3]]
        return {(int(g["y1"] or g["y2"]), mon, int(g["d1"] or g["d2"]))}
    if g["iso"]:
        return {(int(g["y4"]), int(g["m4"]), int(g["d4"]))}
    if g["zh"]:
        return {(int(g["y5"]), int(g["m5"]), int(g["d5"]))}
    if g["num"]:
        a, b, y = int(g["a"]), int(g["b"]), int(g["y3"])
        return {(y, a, b), (y, b, a)}
    if g["compact"]:
        s = g["compact"]
        return {(int(s[:4]), int(s[4:6]), int(s[6:])), (int(s[4:]), int(s[2:4]), int(s[:2]))}
    return set()


class BirthWindowRecognizer(RuleRecognizer):
    """Full dates shortly after a birth word, in a birth column, or repeating a birth date."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities or not GATE.search(text):
            return []
        dates = [m for m in _DATE.finditer(text) if _plausible(m)]
        if not dates:
            return []
        found = {id(m): m for m in (*self._after_trigger(text, dates), *_in_column(text, dates))}
        keys = set().union(*(_keys(m) for m in found.values()))
        for m in dates:
            if id(m) not in found and _keys(m) & keys:
                found[id(m)] = m
        return [
            RecognizerResult(ENTITY, m.start(), m.end(), 0.8)
            for m in sorted(found.values(), key=lambda m: m.start())
        ]

    @staticmethod
    def _after_trigger(text: str, dates: list[re.Match[str]]) -> list[re.Match[str]]:
        out: list[re.Match[str]] = []
        for trigger in _TRIGGER.finditer(text):
            plural = bool(_PLURAL.search(text, max(0, trigger.start() - 12), trigger.end()))
            pos = trigger.end()
            for m in dates:
                if m.start() < pos:
                    continue
                gap = text[pos : m.start()]
                if (
                    len(gap) > _WINDOW
                    or LINE_BREAK.search(gap)
                    or _BLOCKER.search(gap)
                    or _TRIGGER.search(gap)
                ):
                    break
                out.append(m)
                if not plural:
                    break
                pos = m.end()
        return out


def _in_column(text: str, dates: list[re.Match[str]]) -> list[re.Match[str]]:
    """Dates in the column a table's header names DOB / 生日 (markdown, CSV, TSV)."""
    cells = list(column_cells(text, _HEADER))
    return [m for m in dates if any(s <= m.start() and m.end() <= e for s, e in cells)]
