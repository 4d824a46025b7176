"""Credentials pasted into prompts: API keys, JWTs and Authorization header values.

A leaked key is worse than a leaked name (it grants access), so these patterns favour
recall; each one still needs a distinctive prefix or header word, which keeps hashes,
UUIDs and commit ids in debugging chats intact.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"sk-|AKIA|gh[pousr]_|xox[bap]-|eyJ|bearer|basic|token|key", re.IGNORECASE)

_TOKEN = r"[A-Za-z0-9_\-.~+/]{12,}=*"


def secret_recognizers(language: str) -> list[PatternRecognizer]:
    api_key = PatternRecognizer(
        supported_entity="API_KEY",
        name="ApiKeyRecognizer",
        supported_language=language,
        patterns=[
            Pattern("openai_style", r"(?<![A-Za-z0-9])sk-(?:proj-)?[A-Za-z0-9_\-]{16,}", 0.9),
            Pattern("aws_access_key", r"(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![A-Z0-9])", 0.9),
            Pattern("github_token", r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{30,}", 0.9),
            Pattern("slack_token", r"(?<![A-Za-z0-9])xox[bap]-[A-Za-z0-9-]{10,}", 0.9),
            # The credential after an auth scheme ("Authorization: Bearer abc...").
            Pattern("auth_scheme", rf"(?<=\b(?:bearer|basic|token)\s+){_TOKEN}", 0.8),
            # key = value assignments ("api_key: abc...", "secret_key=...").
            Pattern(
                "key_assignment",
                rf"(?<=\b(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token)"
                rf"[\"']?\s*[:=]\s*[\"']?){_TOKEN}",
                0.7,
            ),
        ],
        global_regex_flags=regex.IGNORECASE | regex.ASCII,
    )
    jwt = PatternRecognizer(
        supported_entity="JWT",
        name="JwtRecognizer",
        supported_language=language,
        patterns=[
            Pattern(
                "jwt",
                r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
                0.95,
            )
        ],
        global_regex_flags=regex.ASCII,
    )
    return [api_key, jwt]
