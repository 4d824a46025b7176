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
