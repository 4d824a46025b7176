"""Payment card numbers, including 16-19 digit UnionPay (62...), with the Luhn check.

Presidio's card pattern stops at 17 digits and relies on `\\b`, which does not fire
between a Chinese character and a digit ("卡号6222..."), so UnionPay cards in Chinese
text slipped through. Issuer prefixes plus Luhn keep order numbers out.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"\d(?:[ -]?\d){12}")

_PREFIX = r"(?:4|5[1-5]|2[2-7]|3[47]|3[068]|35|6011|65|62|81)"


def luhn_valid(digits: str) -> bool:
    """The Luhn mod-10 check every issued card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class CardRecognizer(PatternRecognizer):
    """13-19 digit numbers with a known issuer prefix, grouped or not, passing Luhn."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            supported_language=supported_language,
            patterns=[
                Pattern(
                    "card",
                    rf"(?<![\d-]){_PREFIX}\d*(?:[ -]?\d){{11,18}}(?![\d-])",
                    0.5,
                )
            ],
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"[ -]", "", pattern_text)
        return 13 <= len(digits) <= 19 and luhn_valid(digits)
