"""Word lists shipped under sentinel/privacy/data/, loaded once per process.

Names are compared accent-folded and lower-cased, so "García" finds "garcia" and
"Müller" finds "muller": the census lists are ASCII.
"""

from __future__ import annotations

import functools
import importlib.metadata
import unicodedata
from importlib.resources import files

# Letters with no decomposition to strip an accent from: Turkish ı (Yılmaz), Polish ł
# (Michał), Nordic ø, Vietnamese đ (Đặng).
_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "æ": "ae"})


def fold(word: str) -> str:
    """Lower-case `word` and strip its accents."""
    if word.isascii():  # most words: nothing to decompose, casefold() is lower()
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_UNDECOMPOSED))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def load(name: str) -> frozenset[str]:
    """The entries of data file `name` (one a line, `#` starts a comment line)."""
    text = files("sentinel.privacy").joinpath("data", name).read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


@functools.cache
def package_given_names() -> frozenset[str]:
    """Given names of gender-guesser's data file (Jörg Michael's `nam_dict.txt`: 46,000
    names of 50 countries, the Irish, Indian, Arabic, Persian, Korean and Japanese ones
    the census and Faker lists lack: Aoife, Nikhil, Faisal, Hye-jin), folded like ours.

    Only the data file is read (GNU FDL); the package's code is never imported. Many of
    them are English words too (Will, Rose, Page), so the caller filters them.

    The package is the opt-in `names` extra (its licences are not Apache-2.0's): without
    it there are no names from it, and the lists and context rules stand alone."""
    try:
        path = importlib.metadata.distribution("gender-guesser").locate_file(
            "gender_guesser/data/nam_dict.txt"
        )
    except importlib.metadata.PackageNotFoundError:
        return frozenset()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():  # type: ignore[union-attr]
        parts = line.split()
        if len(parts) < 2 or line[0] in "#=":
            continue
        key = fold(parts[1].replace("+", ""))
        if len(key) > 2 and key.isalpha() and key.isascii():
            out.add(key)
    return frozenset(out)
