"""Traditional Chinese folded to simplified before analysis, offsets unchanged.

The surname and given-name lists, jieba's dictionary and the address, date and id
patterns are written in simplified characters; Taiwan and Hong Kong users write
陳 / 張 / 黃, 區 / 號 / 樓 and 民國 / 護照. Folding the text with OpenCC's t2s tables (already
a dependency for the safety lists' variants) lets every recognizer see the form it
knows. A finding's offsets must stay valid on the original text, so a fold that
changes the length (a phrase mapped to a different number of characters) is not used.
"""

from __future__ import annotations

import re
from functools import lru_cache

_HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _t2s() -> object:
    import opencc  # loaded once per process, only when a text holds Chinese

    return opencc.OpenCC("t2s")


def fold_traditional(text: str) -> str:
    """`text` with traditional characters as simplified ones, same length, else `text`."""
    if not _HAN.search(text):
        return text
    folded: str = _t2s().convert(text)  # type: ignore[attr-defined]
    return folded if len(folded) == len(text) else text


# Unicode spaces other than the ideographic one (Chinese text's own): a no-break space
# between a given name and a surname ("Anne\u00a0Lynch", common in text pasted from web
# pages and word processors) hid the name from every English recognizer.
_OTHER_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f]")


def fold_spaces(text: str) -> str:
    """`text` with every Unicode space as an ASCII one: same length, same offsets."""
    return _OTHER_SPACES.sub(" ", text)
