"""More street-level address shapes: Turkish, number-after-street, PO boxes and plots,
Chinese residential compounds.

Each shape is held together by what only an address has: Turkish streets by their street
word (Caddesi, Sokak, Bulvarı) and "No:"; a street whose number follows its name
("Herzl St 12") by a postcode closing it; a post-office box or a plot by the word itself
and a number; a Chinese compound (小区, 西园三区) by its building (号楼 / 栋 / 幢) after the
district (区 / 县), where `address` wants a road (路 / 街) instead.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(
    r"No:|Caddesi|Cad\.|Sokak|Sokağı|Sk\.|Bulvar|Box \d|Plot \d"
    r"|[A-Z][a-z]+ (?:Blvd|St|Street|Ave|Avenue|Rd|Road)\.? \d|号楼|栋|幢"
)

_CAP = r"[A-ZÇĞİÖŞÜ][\wçğıöşü'’-]+"
_TR = (
    rf"(?<![\w])(?:{_CAP}\s){{1,3}}(?:Caddesi|Cad\.|Sokak|Sokağı|Sk\.|Bulvarı|Blv\.|Mahallesi|Mah\.)"
    r"(?:,?\s*(?:No|Numara)\s*:?\s*\d{1,5}[A-Za-z]?)"
    r"(?:\s*(?:/\s*\d{1,4}|(?:D|Daire|Kat)\s*:?\s*\d{1,4}))*"
    rf"(?:,\s*{_CAP})?(?:,?\s*\d{{5}})?(?:\s+{_CAP})?"
)
_NUMBER_AFTER = (
    rf"(?<![\w])(?:{_CAP}\s){{1,3}}(?:Blvd|Boulevard|St|Street|Ave|Avenue|Rd|Road)\.?\s\d{{1,5}}[A-Za-z]?"
    r"(?:,\s*(?:Apt|Apartment|Flat|Unit|Suite)\.?\s*\w{1,5})?"
    rf",\s*{_CAP}(?:[\s-]{_CAP}){{0,2}}\s\d{{4,7}}(?!\d)"
)
_BOX = (
    r"(?<![\w])(?:P\.?\s?O\.?\s?Box|Post Office Box|POB)\s+\d{1,6}"
    rf"(?:,\s*{_CAP}(?:\s{_CAP})?)?"
)
_PLOT = (
    r"(?<![\w])Plot\s+(?:No\.?\s*)?\d{1,6}[A-Za-z]?"
    rf"(?:,\s*(?:(?:Block|Phase|Street|Road|Zone|Sector)\s+\w{{1,6}}|(?:{_CAP}\s){{0,3}}{_CAP}(?:\s\d{{1,2}})?)){{1,4}}"
)
_HAN = r"[\u4e00-\u9fff]"
_ZH_COMPOUND = (
    rf"(?<=^|[^\u4e00-\u9fff]|[到在址是住于寄送往])(?![到在址是住于寄送往])"
    rf"(?:{_HAN}{{2,7}}?(?:省|自治区))?(?:{_HAN}{{2,7}}?市)?{_HAN}{{1,7}}?(?:区|县)"
    rf"[\u4e00-\u9fff\d]{{2,14}}?\d{{1,4}}(?:号楼|栋|幢)(?:\d{{1,2}}单元)?(?:\d{{2,5}}(?:室|号)?)?"
)


def world_address_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="LOCATION",
        name="WorldAddressRecognizer",
        supported_language=language,
        patterns=[
            Pattern("tr_street", _TR, 0.6),
            Pattern("number_after_street", _NUMBER_AFTER, 0.6),
            Pattern("po_box", _BOX, 0.55),
            Pattern("plot", _PLOT, 0.55),
            Pattern("zh_compound", _ZH_COMPOUND, 0.65),
        ],
        global_regex_flags=0,
    )
