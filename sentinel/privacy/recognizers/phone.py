"""International phone numbers: a phone-shaped regex, validated by phonenumbers.

Presidio's PhoneRecognizer runs phonenumbers' matcher over the whole text once per
region, which made it the costliest recognizer in the pipeline. Here a regex finds the
phone-shaped runs and the same library validates each one (numbers with a leading +
are read whatever the region; national numbers as US, then GB), so the metadata work
happens only where a number can be. Chinese mobiles have their own recognizer.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"\+\d|\(\d{2,4}\)|(?<!\d)\d{2,4}[ .-]\d{3,4}[ .-]\d{4}(?!\d)")

_SHAPED = (
    r"(?<![A-Za-z0-9+.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}"
    r"(?![A-Za-z0-9]|[.-]\d)"
)
_REGIONS = ("US", "GB")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # parses as a valid number surprisingly often


class IntlPhoneRecognizer(PatternRecognizer):
    """Phone numbers in international (+44 ...) or US / UK national formats."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            name="IntlPhoneRecognizer",
            supported_language=supported_language,
            patterns=[Pattern("phone_shaped", _SHAPED, 0.4)],
        )

    def validate_result(self, pattern_text: str) -> bool:
        if _IPV4.fullmatch(pattern_text):
            return False
        for region in _REGIONS:
            try:
                number = phonenumbers.parse(pattern_text, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False
