"""Operator-supplied terms and patterns that are always redacted (code names, customers).

Presidio's deny-list recognizer wraps terms in `\\W` lookarounds, which never match a
Chinese term inside Chinese text; here ASCII terms keep ASCII word edges and Han terms
match anywhere. Patterns (SENTINEL_REDACT_DENY lines written /.../) are used as given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import regex
from presidio_analyzer import Pattern, PatternRecognizer

ANY_TEXT = re.compile("")  # deny-listed values can be anywhere: these always run


def _term_pattern(term: str) -> str:
    escaped = re.escape(term)
    if term.isascii():
        return rf"(?<![A-Za-z0-9_]){escaped}(?![A-Za-z0-9_])"
    return escaped


def deny_list_recognizers(
    deny_list: Mapping[str, Sequence[str]],
    language: str,
    deny_patterns: Mapping[str, Sequence[str]] | None = None,
) -> list[PatternRecognizer]:
    """One recognizer per entity type; terms match case-insensitively at full score."""
    patterns = deny_patterns or {}
    out = []
    for entity in sorted(set(deny_list) | set(patterns)):
        alternatives = [_term_pattern(t) for t in deny_list.get(entity, ())]
        alternatives += [f"(?:{p})" for p in patterns.get(entity, ())]
        if not alternatives:
            continue
        out.append(
            PatternRecognizer(
                supported_entity=entity,
                name=f"DenyList_{entity}",
                supported_language=language,
                patterns=[Pattern(f"deny_{entity}", "|".join(alternatives), 1.0)],
                global_regex_flags=regex.IGNORECASE,
            )
        )
    return out
