"""Operator-supplied terms that are always redacted (project code names, customers).

Presidio's deny-list recognizer wraps terms in `\\W` lookarounds, which never match a
Chinese term inside Chinese text; here ASCII terms keep ASCII word edges and Han terms
match anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import regex
from presidio_analyzer import Pattern, PatternRecognizer


def _term_pattern(term: str) -> str:
    escaped = re.escape(term)
    if term.isascii():
        return rf"(?<![A-Za-z0-9_]){escaped}(?![A-Za-z0-9_])"
    return escaped


def deny_list_recognizers(
    deny_list: Mapping[str, Sequence[str]], language: str
) -> list[PatternRecognizer]:
    """One recognizer per entity type; terms match case-insensitively at full score."""
    return [
        PatternRecognizer(
            supported_entity=entity,
            name=f"DenyList_{entity}",
            supported_language=language,
            patterns=[Pattern(f"deny_{entity}", "|".join(_term_pattern(t) for t in terms), 1.0)],
            global_regex_flags=regex.IGNORECASE,
        )
        for entity, terms in deny_list.items()
        if terms
    ]
