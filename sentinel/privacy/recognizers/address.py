"""Postal addresses: Chinese (省/市/区 ... 路 ... 号), US, UK and continental street lines.

Traditional-script text reaches the recognizers folded to simplified characters
(sentinel.privacy.script), so 臺北市大安區忠孝東路四段100號5樓 is matched as 台北市大安区...;
the Chinese line takes Taiwan's 段 / 巷 / 弄 / 之 / 樓 parts.

The small English model tags cities (GPE) but rarely a whole street line, and knows no
Chinese at all, so the two common address shapes get patterns; the NER still adds
the places it finds as LOCATION. A US line is a house number, a street name (words or
an ordinal, "5th"), one of the USPS street suffixes (data/us_street_suffixes.txt),
then optionally the unit, city, state and ZIP code. A UK line needs no suffix
("12 Deansgate") because its postcode (M3 2BW) closes it; a French, Spanish, Italian,
German or Dutch line is a street word (rue, calle, via, -straße) with its number and a
four- or five-digit postcode (Dutch ones end in two letters) before the city.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from presidio_analyzer import Pattern, PatternRecognizer

from sentinel.privacy.recognizers.gazetteer import load

_WORD = re.compile(r"(?<=\d\s)[A-Za-z][\w.]*|(?<=\d[A-Z]\s)[A-Za-z][\w.]*")
GATE = re.compile(r"[省市区县路街道号]|\d [A-Z0-9]")

_HAN = r"[\u4e00-\u9fff]"
_ZH = (
    rf"(?<=^|[^\u4e00-\u9fff]|[到在址是住于寄送往])(?![到在址是住于寄送往])"
    rf"(?:{_HAN}{{2,7}}?(?:省|自治区))?(?:{_HAN}{{2,7}}?市)?{_HAN}{{1,7}}?(?:区|县|市)"
    rf"{_HAN}{{1,10}}?(?:路|街|大道|巷|道)(?:[一二三四五六七八九十\d]{{1,3}}段)?"
    rf"(?:\d{{1,4}}巷)?(?:\d{{1,4}}弄)?\d{{1,5}}号(?:之\d{{1,3}})?(?:院)?"
    rf"(?:\d{{1,4}}(?:栋|幢|号楼))?(?:\d{{1,2}}单元)?(?:\d{{1,3}}楼(?:之\d{{1,3}})?)?(?:\d{{1,5}}室)?"
)


_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b"
_UK = (
    r"(?<![A-Za-z0-9.])(?:(?:Flat|Unit|Apt|Apartment|Suite)\s+\w{1,4},?\s+)?"
    r"\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){0,3}[A-Z][a-z]+"
    r"(?:,\s*(?:Flat|Unit|Apt|Apartment)\s+\w{1,4})?"
    rf",\s*(?:[A-Z][a-z]+\s+){{0,2}}(?:[A-Z][a-z]+,?\s+)?{_UK_POSTCODE}"
)
_EU_STREET = (
    r"(?:rue|avenue|boulevard|bd|place|chemin|all[ée]e|impasse|quai|cours|calle|avenida|"
    r"avda\.?|plaza|paseo|carrer|via|viale|piazza|corso|rua|travessa|largo)"
)
_EU = (
    rf"(?i:(?<![\w.])(?:\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+)?{_EU_STREET})\s+"
    r"(?:[\w'’.-]+\s+){0,5}?[\w'’.-]+(?:,?\s+\d{1,4}[a-zA-Z]?)?(?:,\s*[\w/ºª°-]{1,8})?"
    r",?\s+\d{4,5}(?:\s[A-Z]{2})?\s+[A-Z][\w-]+"
    r"|(?<![\w.])[A-Z][\w-]*(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|straat|laan|plein)"
    r"\s+\d{1,4}[a-z]?,\s*\d{4,5}(?:\s[A-Z]{2})?\s+[A-Z][\w-]+"
)


def _en_pattern() -> str:
    suffixes = "|".join(sorted(load("us_street_suffixes.txt"), key=len, reverse=True))
    word = r"(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th))"
    return (
        rf"(?<![A-Za-z0-9.])\d{{1,6}}[A-Z]?\s+(?:(?:[NSEW]|North|South|East|West)\.?\s+)?"
        rf"(?:{word}\s+){{1,3}}(?:{suffixes})\b\.?"
        r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|#)\.?\s*#?[A-Za-z0-9-]+)?"
        r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}(?=,|\s+[A-Z]{2}\b))?"
        r"(?:,?\s*[A-Z]{2}\b)?(?:\s+\d{5}(?:-\d{4})?)?"
    )


class AddressRecognizer(PatternRecognizer):
    """Chinese and US addresses; a street line made of allow-listed words ("3 Kafka
    Streams") is a product, not a street."""

    def __init__(self, supported_language: str, ordinary_words: Collection[str] = ()) -> None:
        self.ordinary = {w.lower() for w in ordinary_words}
        super().__init__(
            supported_entity="LOCATION",
            name="AddressRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern("zh_address", _ZH, 0.7),
                Pattern("us_street", _en_pattern(), 0.6),
                Pattern("uk_street", _UK, 0.6),
                Pattern("eu_street", _EU, 0.6),
            ],
            global_regex_flags=0,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """False drops the match; None keeps the pattern's score (True would set 1.0)."""
        words = _WORD.findall(pattern_text)
        return False if words and words[0].lower() in self.ordinary else None
