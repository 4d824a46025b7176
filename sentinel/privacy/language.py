"""Which languages a text contains, and which parts of it the English NER must see.

Chat messages mix scripts freely ("帮我查一下John的订单"), so detection is per text and
not exclusive: Han characters call for the Chinese recognizers, Latin words for the
English NER. The English model only ever sees an *English view* of the text, where
CJK characters are blanked to spaces: offsets stay identical, and the model is not fed
Chinese it was never trained on (it tags "我是Tom" as one token otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Literal

Lang = Literal["en", "zh"]
LangChoice = Literal["auto", "en", "zh"]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK_OR_FULLWIDTH = re.compile(
    r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|[\n。！？；]|\s{2,}")
_CAPITALIZED = re.compile(r"(?<![A-Za-z0-9_@./-])[A-Z][a-zA-Z'-]+")
# All capitals, or a capital inside a word other than Mc/Mac/O'/De-style names.
_NOT_A_NAME_SHAPE = re.compile(r"[A-Z][A-Z'-]+|(?!Mc|Mac|O'|De|Di|La|Le|Van)[A-Z][a-z]*[A-Z].*")


def detect(text: str, choice: LangChoice = "auto") -> frozenset[Lang]:
    """The languages whose recognizers should run on `text` (empty for no letters)."""
    if choice != "auto":
        return frozenset((choice,))
    langs: set[Lang] = set()
    if _HAN.search(text):
        langs.add("zh")
    if _LATIN_WORD.search(text):
        langs.add("en")
    return frozenset(langs)


def before_cjk(text: str, start: int, end: int) -> int:
    """Where text[start:end] stops being Latin: at its first CJK character, less the
    spaces before it (an English NER span over the blanked view can run across one)."""
    found = _CJK_OR_FULLWIDTH.search(text, start, end)
    return end if found is None else len(text[: found.start()].rstrip())


def english_view(text: str) -> str:
    """`text` with CJK characters and full-width punctuation replaced by spaces."""
    return _CJK_OR_FULLWIDTH.sub(" ", text)


def ner_clauses(
    view: str,
    ordinary_words: Collection[str],
    explained: Sequence[tuple[int, int]] = (),
    sentence_words: Collection[str] = (),
) -> list[tuple[int, int]]:
    """Spans of the clauses that can hold a name: those with a capitalized word that is
    not an ordinary word (stop words, allow-listed product names), not inside a name
    the name lists already found (`explained`), and, first in its clause, not a common
    English word that is nobody's name (`sentence_words`: "Order", "Thanks", "Ship").

    English names are capitalized, so a clause without such a word cannot yield a
    PERSON or place the model would find; skipping it is where most of the NER time
    goes in chat traffic full of e-mails, numbers and lowercase prose.
    """
    spans = []
    start = 0
    for end_match in (*_CLAUSE_END.finditer(view), None):
        end = end_match.end() if end_match else len(view)
        first = True
        for m in _CAPITALIZED.finditer(view, start, end):
            word = m.group().lower()
            leading, first = first and not view[start : m.start()].strip(), False
            if word in ordinary_words or (leading and word in sentence_words):
                continue
            if _NOT_A_NAME_SHAPE.fullmatch(m.group()):  # API, IBAN, key fragments (GwlUH)
                continue
            if any(s <= m.start() and m.end() <= e for s, e in explained):
                continue
            spans.append((start, end))
            break
        start = end
    return spans
