"""US Social Security numbers, with the SSA's validity rules.

Dashed or spaced 3-2-4 groups are SSN-shaped enough on their own; nine bare digits are
an SSN only right after "SSN" / "social security (number)", or a few words after it in
the same sentence. Numbers the SSA never
issues (area 000, 666 or 900-999, group 00, serial 0000, the advertised 078-05-1120
and 219-09-9999) are dropped, which keeps most order and ticket numbers intact.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"\d{3}[- ]\d{2}[- ]\d{4}|ssn|social security|\d{9}", re.IGNORECASE)

_NEVER_ISSUED = frozenset({"078051120", "219099999", "123456789"})


def ssn_valid(text: str) -> bool:
    """True when the digits are an SSN the SSA could have issued."""
    digits = re.sub(r"\D", "", text)
    if len(digits) != 9 or digits in _NEVER_ISSUED:
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


class SsnRecognizer(PatternRecognizer):  # not UsSsnRecognizer: Presidio looks classes up by name
    """3-2-4 SSNs anywhere; 9 bare digits after an SSN context word."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="US_SSN",
            name="SsnRecognizer",
            supported_language=supported_language,
            patterns=[
                Pattern("ssn_grouped", r"(?<![\d-])\d{3}(-|\s)\d{2}\1\d{4}(?![\d-])", 0.6),
                # "my SSN without dashes, is 753980677": a few words between.
                Pattern(
                    "ssn_later",
                    r"(?<=\b(?:ssn|social security(?: number| no\.?)?)[^\n\d]{1,30}?"
                    r"(?:\bis|:|#)\s*)\d{9}(?!\d)",
                    0.7,
                ),
                # "SSN on file 803529112": a few words and no verb; same sentence.
                Pattern(
                    "ssn_window",
                    r"(?<=\b(?:ssn|social security(?: number| no\.?)?)[^\n\d.!?;]{1,30}?)"
                    r"(?<![\d-])(?<!\b(?:order|ticket|invoice|case|ref|tracking|account|member|"
                    r"policy|claim|id)\s*(?:no\.?|number|id|#)?\s*[:#]?\s*)\d{9}(?!\d)",
                    0.65,
                ),
                Pattern(
                    "ssn_context",
                    r"(?<=\b(?:ssn|social security(?: number| no\.?)?)\s*(?:is|:|#)?\s*)"
                    r"\d{9}(?!\d)",
                    0.8,
                ),
            ],
            global_regex_flags=regex.IGNORECASE,
        )

    def validate_result(self, pattern_text: str) -> bool:
        return ssn_valid(pattern_text)
