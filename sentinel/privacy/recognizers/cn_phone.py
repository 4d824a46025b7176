"""Chinese mobile numbers: 1[3-9] + 9 digits, optionally +86 / 0086, with separators.

phonenumbers needs a region to read a national number, and running it for CN over
every text costs a full matcher pass; one anchored regex is exact for mobiles and cheap.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"1[3-9]\d")

_MOBILE = (
    r"(?<![\d+])(?:(?:\+|00)86[ -]?)?(?:\(?\+?86\)?[ -]?)?"
    r"1[3-9]\d(?:[ -]?\d{4}[ -]?\d{4})(?!\d)"
)


def cn_phone_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="PHONE_NUMBER",
        name="CnMobileRecognizer",
        supported_language=language,
        patterns=[Pattern("cn_mobile", _MOBILE, 0.75)],
    )
