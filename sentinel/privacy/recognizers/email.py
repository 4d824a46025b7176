"""E-mail addresses: Presidio's recognizer with an ASCII local part and offline TLDs.

Presidio's pattern uses `\\w`, which in Chinese text swallows the characters before the
address ("邮箱是a@b.com" would become one match), so the pattern is ASCII-only; the
domain is still validated against the public suffix list, from the bundled snapshot.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from sentinel.privacy.offline import OFFLINE_TLD_EXTRACT

GATE = re.compile("@")

_PATTERN = Pattern(
    "email_ascii",
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
    r"(?![A-Za-z0-9-])",
    0.5,
)


class OfflineEmailRecognizer(EmailRecognizer):
    """EmailRecognizer whose TLD check never touches the network."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(patterns=[_PATTERN], supported_language=supported_language)

    def validate_result(self, pattern_text: str) -> bool:
        return OFFLINE_TLD_EXTRACT(pattern_text).fqdn != ""
