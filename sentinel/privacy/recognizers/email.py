"""E-mail addresses: Presidio's recognizer with a Latin-script address and offline TLDs.

Presidio's pattern uses `\\w`, which in Chinese text swallows the characters before the
address ("邮箱是a@b.com" would become one match), so the pattern takes Latin letters
only: ASCII and the accented ones (RFC 6531 addresses and IDN domains: "jürgen.müller@
example.de" was found from "ller@" on, leaving the name in clear); the domain is still
validated against the public suffix list, from the bundled snapshot.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import EmailRecognizer

from sentinel.privacy.offline import OFFLINE_TLD_EXTRACT

GATE = re.compile("@")

# ASCII letters and digits and the Latin-1, Latin Extended-A/B and Latin Extended
# Additional letters (no ×, ÷ between them)
_L = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_PATTERN = Pattern(
    "email_latin",
    rf"(?<![{_L}._%+-])[{_L}][{_L}._%+-]*@"
    rf"[{_L}](?:[{_L}-]*[{_L}])?(?:\.[{_L}](?:[{_L}-]*[{_L}])?)*"
    # the top-level label ASCII (no Latin-script TLD has an accent), so an accent put on
    # its last letter ("example.coḿ", a mark after "com") cannot make the whole address
    # fail the suffix check: the address up to it is still found
    r"\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?![A-Za-z0-9-])",
    0.5,
)


class OfflineEmailRecognizer(EmailRecognizer):
    """EmailRecognizer whose TLD check never touches the network."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(patterns=[_PATTERN], supported_language=supported_language)

    def validate_result(self, pattern_text: str) -> bool:
        return OFFLINE_TLD_EXTRACT(pattern_text).fqdn != ""
