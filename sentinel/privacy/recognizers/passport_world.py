"""Passport numbers after the passport word of many languages, in a passport column, and
in an ICAO 9303 machine-readable zone.

`passport` and `passport_window` know the English, Chinese, Japanese and Korean words.
People write theirs in their own language (pasaporte, passaporte, passeport, Reisepass /
Pass-Nr., paszport, pasaport, paspor, hộ chiếu, паспорт, جواز السفر, パスポート), and
issuing countries print numbers of their own shapes: one to three letters and six to nine
digits (US, UK, CN E/G, IN, JP, KR M, BR, CA, AU, TR U, ES, IT, NG A ...), nine letters and
digits (DE, NL, KR M123A4567), two digits + two letters + five digits (FR), Russia's
internal "45 12 345678", and the same numbers spaced in groups as forms print them. Within
the sentence after the word one such number counts, and a list of them (", ", "and", 、)
is taken whole. A column whose header is a passport word holds one in each cell. The
two 44-character lines of a passport's MRZ carry the name, number, nationality and birth
date: both go, once the number's and the birth date's check digits agree.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.im_context import _window
from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.tables import column_cells

ENTITY = "PASSPORT"
_WORDS = (
    r"passports?|pasaportes?|passaportes?|passeports?|reisepass|pass-?nr\.?|passnummer"
    r"|paszport(?:u|y)?|pasaport(?:u|un)?|paspor|hộ\s?chiếu|(?:загран)?паспорт[а-я]*"
    r"|جواز\s?(?:ال)?سفر|パスポート|护照|護照|旅券|여권|travel\sdocument|documento\sde\sviaje"
    r"|titre\sde\svoyage|(?<![A-Za-z])ppt?(?=\.?\s?(?:no|#))"
)
GATE = re.compile(
    r"pasaport|passaport|passeport|reisepass|pass-?nr|passnummer|paszport|paspor|hộ\s?chiếu"
    r"|паспорт|جواز|パスポート|<<|passport|护照|護照|travel\sdocument|de\sviaje|titre\sde\svoyage"
    r"|(?<![A-Za-z])ppt?\.?\s?(?:no|#)|[A-Z0-9<]{9}\d[A-Z<]{3}\d{7}[MFX<]\d{7}",
    re.IGNORECASE,
)
_WINDOW = 50
# A passport's number: letters and digits as the issuing countries print them, also in
# groups of digits ("E 1234 5678", "AB 123 4567", Russia's "45 12 345678").
_NUMBER = (
    r"(?:[A-Z]{1,3}\d{6,9}|[A-Z]{1,2}\s\d{3,4}\s\d{4}|\d{2}[A-Z]{2}\d{5}|\d{2}\s?\d{2}\s\d{6}"
    r"|(?!(?:19|20)\d\d(?:0[1-9]|1[0-2])[0-3]\d(?!\d))\d{8,9}|(?=(?:[A-Z]*\d){4})(?=\d*[A-Z])[A-Z0-9]{8,9})"
)
_LIST = re.compile(
    rf"(?<![\w-]){_NUMBER}(?![\w-])(?:(?:\s?[,、/;]\s?|\s(?:and|y|e|et|und|i|ve|và|和|及)\s){_NUMBER}(?![\w-]))*"
)
# The nouns of other things' numbers, the one list every passport rule judges by: one
# named between the word and the number ("el pasaporte cuesta 30 euros y el pedido
# 12345678") makes the number that thing's, and so does one right before it (`OTHER_LABEL`:
# "the passport fee rose ..., code AB1234567", a roster line's "booking ref PA7718240").
_OTHER_WORDS = (
    r"order|pedido|commande|bestell|auftrag|build|versi[oó]n|booking|reserva|ticket|invoice"
    r"|factura|rechnung|tracking|flight|vuelo|phone|tel[eé]fono|订单|单号|电话|заказ|sipariş"
    r"|ssn|social security|\bid\b|licen[cs]e|driver|身份证|驾照|\bcode\b|\bref(?:erence)?\b"
    r"|voucher|coupon|promo|serial|confirmation|receipt|account|policy|claim"
)
_OTHER = re.compile(_OTHER_WORDS, re.IGNORECASE)
OTHER_LABEL = re.compile(
    rf"(?<![A-Za-z])(?:{_OTHER_WORDS})\s*(?:no\.?|number|#|id)?\s*[:：=]?\s*$", re.IGNORECASE
)
_ONE = re.compile(rf"(?<![\w-]){_NUMBER}(?![\w-])")
# The word with its label ("Reisepass-Nr.", "passport_no"), so the label's dot ends no sentence.
_HEADER = re.compile(
    rf"(?:{_WORDS})(?:[\s_.-]*(?:no\.?|nr\.?|number|num|#|号码|號碼|番号|번호))?", re.IGNORECASE
)
_WORD = _HEADER
_CELL = re.compile(r"(?=(?:[A-Z]*\d){4})[A-Z0-9]{6,10}|[A-Z]{1,2}\s?\d{3,4}\s?\d{4}")
# ICAO 9303 TD3: line 1 P + type + issuing state + names; line 2 number, check digit,
# nationality, birth date, check digit, sex, expiry, check digit, optional data, checks.
_MRZ = re.compile(
    r"(?<![A-Z0-9<])P[A-Z<][A-Z<]{3}[A-Z<]{39}(?:\r?\n|\\n|\s)"
    r"(?P<number>[A-Z0-9<]{9})(?P<n>\d)[A-Z<]{3}(?P<birth>\d{6})(?P<b>\d)[MFX<]\d{7}"
    r"[A-Z0-9<]{14}[\d<]\d(?![A-Z0-9<])"
)
# Line 2 alone, pasted without line 1: its number's, birth date's and expiry's checks agree.
_MRZ_LINE2 = re.compile(
    r"(?<![A-Z0-9<])(?P<number>[A-Z0-9<]{9})(?P<n>\d)[A-Z<]{3}(?P<birth>\d{6})(?P<b>\d)[MFX<]"
    r"(?P<expiry>\d{6})(?P<e>\d)[A-Z0-9<]{14}[\d<]\d(?![A-Z0-9<])"
)
_VALUES = {**{str(d): d for d in range(10)}, "<": 0} | {
    chr(c): c - 55 for c in range(ord("A"), ord("Z") + 1)
}


def mrz_check(field: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 over the characters' values, modulo 10."""
    return sum(_VALUES[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10


class PassportWorldRecognizer(RuleRecognizer):
    """Passport numbers after any language's passport word, in its column, and MRZs."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans: list[tuple[int, int, float]] = []
        end = 0
        for w in _WORD.finditer(text):
            start = max(w.end(), end)  # windows that overlap are read once
            end = _window(text, w.end(), _WINDOW)
            first = _LIST.search(text, start, end)
            if first is None or _OTHER.search(text, w.end(), first.start()):
                continue
            list_end = _LIST.match(text, first.start()).end()  # a list may run past the window
            spans += [
                (m.start(), m.end(), 0.7) for m in _ONE.finditer(text, first.start(), list_end)
            ]
            end = max(end, list_end)
        spans += [
            (s, e, 0.65) for s, e in column_cells(text, _HEADER) if _CELL.fullmatch(text[s:e])
        ]
        for m in _MRZ.finditer(text):
            if mrz_check(m["number"]) == int(m["n"]) and mrz_check(m["birth"]) == int(m["b"]):
                spans.append((m.start(), m.end(), 0.9))
        for m in _MRZ_LINE2.finditer(text):
            checks = (("number", "n"), ("birth", "b"), ("expiry", "e"))
            if all(mrz_check(m[f]) == int(m[c]) for f, c in checks):
                spans.append((m.start(), m.end(), 0.85))
        return [RecognizerResult(ENTITY, s, e, score) for s, e, score in sorted(set(spans))]
