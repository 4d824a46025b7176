"""A gate made of plain substrings plus a small regex.

A gate with many case-insensitive alternatives (every messenger's name, every key
prefix) costs a regex branch per word at every position of every text, and the gates
run on every text; lower-casing the text once and testing each word with `in` costs
a few microseconds. What is not a plain word (AKIA in capitals, @ not inside an e-mail
address) stays a regex, written so that its first characters are few.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class WordGate:
    """Matches a text holding any of `words` (case-insensitive) or matching `pattern`."""

    def __init__(self, words: Iterable[str], pattern: str | None = None) -> None:
        self.words = tuple(w.lower() for w in words)
        self.pattern = re.compile(pattern) if pattern else None

    def search(self, text: str) -> bool:
        low = text.lower()
        if any(w in low for w in self.words):
            return True
        return self.pattern is not None and self.pattern.search(text) is not None
