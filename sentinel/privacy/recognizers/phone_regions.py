"""National phone numbers of more regions: after a phone word, or in a region's own layout.

`phone` reads national numbers as US and a few European regions. Chat text also carries
Hong Kong and Singapore numbers (8 digits, "9312 6325"), Indian mobiles with the trunk 0
("09812 345678"), Brazilian ones ("(11) 98765-4321"), Turkish ones ("0532 123 45 67"),
Korean and Japanese ones ("010-1234-5678"). Eight digits are also order and ticket
numbers, so a number is read in those regions only after a phone word in the same clause
(電話 / 电话, 致電, WhatsApp, call me, callback ...; the analyzer reads traditional
characters as simplified ones), and must be a valid number there, or, written with its
country code and no "+" ("cell 234-803-555-1049", "phone 44 20 7946 0958"), a valid
international number. Two
layouts are evidence without a word: the Brazilian "(DD) 9XXXX-XXXX" and the Turkish
"05XX XXX XX XX", each validated for its region, unless an invoice, order or amount word
labels the number and no phone word does ("Invoice 0532 481 27 63 total due"). A "+"
number right after a pasted "\\n" (a literal backslash-n, as JSON and logs escape line
breaks) counts as `phone` counts one after a space.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.phone import GATE as _PHONE_GATE
from sentinel.privacy.recognizers.phone import _valid
from sentinel.privacy.recognizers.rules import RuleRecognizer

# phone's gate, and an Indian mobile with its trunk 0 (09812 345678, 098123 45678).
GATE = re.compile(_PHONE_GATE.pattern + r"|(?<!\d)0\d{4,5} \d{5,6}")
ENTITY = "PHONE_NUMBER"
_REGIONS = ("HK", "SG", "IN", "BR", "TR", "PT", "AU", "KR", "JP", "MX", "ZA", "NG", "PH", "MY")
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9+.-])(?:\(\d{2,4}\)\s?|\d{2,6}[ -]?)\d{2,5}(?:[ -]?\d{2,5}){0,2}"
    r"(?![A-Za-z0-9]|[.-]\d)"
)
# A phone word before the number, in the same clause (no sentence end between).
_CUE = regex.compile(
    r"(?:phone|call|tel\b|mobile|cell|whatsapp|signal|callback|text me|sms|contact|"
    r"电话|手机|致电|联系|联络|打俾|打畀|打给|热线)"
    r"[^。！？!?\n]{0,24}$",
    regex.IGNORECASE,
)
_BR = re.compile(r"(?<![A-Za-z0-9+])\(\d{2}\)\s?9?\d{4}-\d{4}(?!\d)")
_TR = re.compile(r"(?<![A-Za-z0-9+])0?5\d{2} \d{3} \d{2} \d{2}(?!\d)")
_NOT_PHONE_LABEL = regex.compile(
    r"(?<![A-Za-z])(?:invoice|order|amount|total|sum|ref|reference|ticket|receipt|bill|"
    r"account|acct|iban|serial|tracking)\b[^。！？!?\n]{0,16}$",
    regex.IGNORECASE,
)
_AFTER_ESCAPED_BREAK = re.compile(r"(?<=\\n)\+\d{1,3}(?:[ -]?\d{2,5}){2,4}(?![A-Za-z0-9])")


def _tr_ok(text: str, m: re.Match[str]) -> bool:
    """The Turkish layout is evidence unless another label, and no phone word, names it."""
    before = max(0, m.start() - 40)
    if not _NOT_PHONE_LABEL.search(text, before, m.start()):
        return True
    return bool(_CUE.search(text, before, m.start()))


class RegionalPhoneRecognizer(RuleRecognizer):
    """Phone numbers of regions `phone` does not read, in context or in their layout."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = [m.span() for m in _BR.finditer(text) if _valid(m[0], ("BR",))]
        spans += [m.span() for m in _TR.finditer(text) if _valid(m[0], ("TR",)) and _tr_ok(text, m)]
        spans += [m.span() for m in _AFTER_ESCAPED_BREAK.finditer(text) if _valid(m[0], ("US",))]
        for m in _NUMBER.finditer(text):
            digits = sum(c.isdigit() for c in m[0])
            if not 8 <= digits <= 15 or not _CUE.search(text, max(0, m.start() - 40), m.start()):
                continue
            if (digits <= 12 and _valid(m[0], _REGIONS)) or (
                digits >= 11 and _valid("+" + m[0], ("US",))
            ):
                spans.append(m.span())
        return [RecognizerResult(ENTITY, s, e, 0.6) for s, e in sorted(set(spans))]
