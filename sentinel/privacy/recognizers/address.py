"""Postal addresses: Chinese (省/市/区 ... 路 ... 号) and English street lines.

The small English model tags cities (GPE) but rarely a whole street line, and knows no
Chinese at all, so the two common address shapes get patterns; the NER still adds
the places it finds as LOCATION.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"[省市区县路街道号]|\d+ [A-Z]")

_HAN = r"[\u4e00-\u9fff]"
_ZH = (
    rf"(?<=^|[^\u4e00-\u9fff]|[到在址是住于寄送往])(?![到在址是住于寄送往])"
    rf"(?:{_HAN}{{2,7}}?(?:省|自治区))?(?:{_HAN}{{2,7}}?市)?{_HAN}{{1,7}}?(?:区|县|市)"
    rf"{_HAN}{{1,10}}?(?:路|街|大道|巷|道)\d{{1,5}}号(?:院)?(?:\d{{1,4}}(?:栋|幢|号楼))?"
    rf"(?:\d{{1,2}}单元)?(?:\d{{1,5}}室)?"
)
_STREET_TYPES = "Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl"
_EN = (
    rf"(?<![A-Za-z0-9])\d{{1,5}}[A-Z]?\s+(?:[A-Z][a-z]+\s+){{1,3}}(?:{_STREET_TYPES})\b\.?"
    r"(?:,?\s+(?:Apt|Suite|Unit)\.?\s*\w+)?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?"
)


def address_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="LOCATION",
        name="AddressRecognizer",
        supported_language=language,
        patterns=[Pattern("zh_address", _ZH, 0.7), Pattern("en_street", _EN, 0.6)],
        global_regex_flags=0,
    )
