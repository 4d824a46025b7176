"""International phone numbers via Presidio's phonenumbers-based recognizer.

Numbers written with a leading + are parsed whatever the region, so one national
region (US, the most common national format in English chat) keeps the matcher to a
single pass per text; Chinese mobiles have their own cheaper recognizer.
"""

from __future__ import annotations

import re

from presidio_analyzer.predefined_recognizers import PhoneRecognizer

GATE = re.compile(r"\d(?:[\s().-]{0,2}\d){6}")


def phone_recognizer(language: str) -> PhoneRecognizer:
    return PhoneRecognizer(supported_language=language, supported_regions=("US", "GB"))
