"""Where the sentence around a finding begins and ends, for the look-alike judges that
read the words of one sentence (a theme word, a trade word, an animal, a machine)."""

from __future__ import annotations

import regex

# A sentence mark followed by a space or the end, a Chinese one, a line end or a pasted
# "\n" escape.
SENTENCE_END = regex.compile(r"[.!?](?:\s|$)|[。！？\n]|\\n")


def sentence_bounds(text: str, start: int, end: int, reach: int = 160) -> tuple[int, int]:
    """(begin, end) of the sentence holding text[start:end], its closing mark included,
    at most `reach` characters either way (a text of one long line costs no more)."""
    begin = max(0, start - reach)
    for m in SENTENCE_END.finditer(text, begin, start):
        begin = m.end()
    m = SENTENCE_END.search(text, end, end + reach)
    return begin, m.end() if m else min(len(text), end + reach)
