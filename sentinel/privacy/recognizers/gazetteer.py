"""Word lists shipped under sentinel/privacy/data/, loaded once per process.

Names are compared accent-folded and lower-cased, so "García" finds "garcia" and
"Müller" finds "muller": the census lists are ASCII.
"""

from __future__ import annotations

import functools
import unicodedata
from importlib.resources import files

# Letters with no decomposition to strip an accent from: Turkish ı (Yılmaz), Polish ł
# (Michał), Nordic ø, Vietnamese đ (Đặng).
_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae"})


def fold(word: str) -> str:
    """Lower-case `word` and strip its accents."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def load(name: str) -> frozenset[str]:
    """The entries of data file `name` (one a line, `#` starts a comment line)."""
    text = files("sentinel.privacy").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
