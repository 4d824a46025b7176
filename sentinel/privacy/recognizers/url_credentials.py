"""URLs that carry credentials (scheme://user:password@host/...).

Plain URLs are not personal data and are useful when debugging, so only URLs with a
userinfo part are redacted, and then whole: the user name is often an e-mail or a
person, and the host tells which database the password opens.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile("://[^\\s/]*@")

_URL = (
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]+:[^\s/@]+@[A-Za-z0-9.-]+"
    r"(?::\d+)?(?:[/?#][A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9/=_-])?"
)


def url_credentials_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="URL",
        name="UrlWithCredentialsRecognizer",
        supported_language=language,
        patterns=[Pattern("url_with_credentials", _URL, 0.9)],
        global_regex_flags=regex.ASCII,
    )
