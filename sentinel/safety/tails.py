"""Where a stream's held tail begins in the original text: the last n folded
characters of a text `normalize.fold_light` folds, found with one backwards regex
match instead of the folded text's map (a stream asks this for every piece)."""

from __future__ import annotations

import functools
import re

from sentinel.safety.normalize import CJK, IDEOGRAPHIC_SPACE, PAD


@functools.cache
def _tail_re(n: int) -> re.Pattern[str]:
    # read backwards: n - 1 characters, each with the padding before it when that
    # padding is dropped (a CJK character on both sides), and the n-th character
    # without its padding (which stays on the released side)
    # (a run of spaces is one folded space, its first: read whole either way; in the
    # text fold_light takes, the characters that fold to a space are these)
    run = f"[ \t\n\r{IDEOGRAPHIC_SPACE}]+"
    unit = f"[{CJK}]{PAD}(?=[{CJK}])|{run}|."
    return re.compile(f"(?:{unit}){{{n - 1}}}(?:{run}|.)", re.DOTALL)


def tail_start(text: str, folded: str, n: int) -> int:
    """Where, in a text `fold_light` folds (to `folded`), the last `n` folded
    characters begin: `normalize(text).raw(len(folded) - n)`, without the map."""
    size = len(folded)
    if size <= n:
        return 0
    if size == len(text):  # nothing dropped: the same positions
        return size - n
    if n <= 0:
        return len(text)
    found = _tail_re(n).match(text[::-1])
    assert found is not None  # size > n characters are there to match
    return len(text) - found.end()
