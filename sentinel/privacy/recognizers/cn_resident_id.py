"""Chinese resident identity numbers (GB 11643-1999): 17 digits + a check character.

The checksum rejects nine of ten random 18-digit strings (order ids, trace ids), so a
match that fails it is dropped rather than scored low: over-redacting ids breaks the
debugging value of stored conversations. Right after 身份证 (号码, 号, 是, :) the
number is an id whatever its check character: one the user typed wrongly is still
theirs, so that context pattern skips the checksum.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"\d{17}")

_CONTEXT = r"(?<=身份证(?:号码|号|编号)?\s*(?:是|为|[:：])?\s*)"

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def gb11643_valid(number: str) -> bool:
    """True when the 18th character is the GB 11643 check character of the first 17."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


class CnResidentIdRecognizer(PatternRecognizer):
    """18-character ids whose birth date is plausible and checksum is right."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="CN_RESIDENT_ID",
            supported_language=supported_language,
            patterns=[
                Pattern(
                    "cn_resident_id",
                    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                    r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])",
                    0.5,
                )
            ],
        )

    def validate_result(self, pattern_text: str) -> bool:
        return gb11643_valid(pattern_text)


def cn_resident_id_in_context(supported_language: str) -> PatternRecognizer:
    """18-character ids right after 身份证, checksum or not."""
    return PatternRecognizer(
        supported_entity="CN_RESIDENT_ID",
        name="CnResidentIdContextRecognizer",
        supported_language=supported_language,
        patterns=[
            Pattern("cn_resident_id_context", _CONTEXT + r"[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])", 0.9)
        ],
    )
