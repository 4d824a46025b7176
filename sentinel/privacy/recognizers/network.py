"""IP addresses and IBANs: Presidio's own recognizers and validators, ASCII word rules.

Their patterns use `\\b`; in Unicode mode a Chinese character counts as a word
character, so "IP是10.0.0.8" had no boundary and never matched. The ASCII flag makes
`\\b` and `\\w` mean what these patterns assume, in any surrounding script.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import PatternRecognizer
from presidio_analyzer.predefined_recognizers import IbanRecognizer, IpRecognizer

IP_GATE = re.compile(r"\d\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]|::")
IBAN_GATE = re.compile(r"[A-Z]{2}\d{2}")


def ip_recognizer(language: str) -> PatternRecognizer:
    ip = IpRecognizer(supported_language=language)
    ip.global_regex_flags |= regex.ASCII
    return ip


def iban_recognizer(language: str) -> PatternRecognizer:
    return IbanRecognizer(
        supported_language=language, regex_flags=regex.DOTALL | regex.MULTILINE | regex.ASCII
    )
