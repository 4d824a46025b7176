"""Messenger ids a few words after the messenger, and in a table's messenger column.

`im_account` takes an id right after 微信 / QQ / Discord and the like. People also put a
clause between ("问我要微信，我给了 wx_lin88", "the QQ group admin banned 20931847 for
spam") and paste member lists whose header names the messenger (| 昵称 | Discord |). So
here, within a short window after the messenger's name in the same sentence, a WeChat id
that carries a digit or an underscore, a QQ number (5-11 digits, not an amount or a
count) and a Skype `live:` id count, and so does a handle-shaped cell below a messenger
column's header. WeChat's internal ids (wxid_...) and Skype's `live:.cid.` ids count anywhere.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gate import WordGate
from sentinel.privacy.recognizers.rules import RuleRecognizer
from sentinel.privacy.recognizers.tables import column_cells

# The messengers' names already open IM_ACCOUNT through im_account's gate (and this
# recognizer runs with it); only the ids that need no messenger's name are gated here.
GATE = WordGate(("wxid_", "live:.cid."))

ENTITY = "IM_ACCOUNT"
_WINDOW = 40
_SENTENCE_END = re.compile(r"[。！？!?\n]|\\n|\.\s")

_ANYWHERE = re.compile(r"(?<![\w.])(?:wxid_[a-z0-9]{6,24}|live:\.cid\.[0-9a-f]{8,24})(?![\w])")
_WECHAT = re.compile(r"微信|wechat|weixin|(?<![a-z])vx(?![a-z])", re.IGNORECASE)
# WeChat's rule for an id: 6-20 letters, digits, _ and -, a letter first. One with a digit
# or an underscore is no English word ("tiffchow_hk"); a hyphen alone is ("mini-program").
_WECHAT_ID = re.compile(r"(?<![\w.@/-])(?=[A-Za-z-]*[\d_])[A-Za-z][A-Za-z0-9_-]{5,19}(?![\w@.-])")
_QQ = re.compile(r"(?<![a-z])qq(?![a-z])", re.IGNORECASE)
# Not an amount, a count or a size ("QQ群500人", "QQ会员15元").
_QQ_NUMBER = re.compile(r"(?<![\d.,-])[1-9]\d{4,10}(?![\d.,-]|\s*(?:元|块|人|个|次|条|MB|GB|%))")
_SKYPE = re.compile(r"skype", re.IGNORECASE)
_SKYPE_ID = re.compile(r"(?<![\w.])live:[A-Za-z.][\w.-]{3,40}(?<![.-])")
_COLUMN = re.compile(
    r"discord|wechat|weixin|微信|微信号|qq|qq号|line(?:\s*id)?|telegram|tg|skype|slack|"
    r"kakao(?:talk)?|signal|viber",
    re.IGNORECASE,
)
# A handle in a cell holds a digit, _ . - or # (yes / no / n/a / 暂无 are no handles).
_CELL_HANDLE = re.compile(r"@?(?=[\w.-]*[\d_.-])[A-Za-z0-9][\w.-]{1,30}[A-Za-z0-9_](?:#\d{4})?")


class ImContextRecognizer(RuleRecognizer):
    """Messenger ids in a window after the messenger's name, or in its table column."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = [m.span() for m in _ANYWHERE.finditer(text)]
        for trigger, value in ((_WECHAT, _WECHAT_ID), (_QQ, _QQ_NUMBER), (_SKYPE, _SKYPE_ID)):
            for t in trigger.finditer(text):
                window = _window(text, t.end())
                m = value.search(text, t.end(), window)
                if m:
                    spans.append(m.span())
        if "|" in text or "," in text or "\t" in text:
            spans += [
                (s, e)
                for s, e in column_cells(text, _COLUMN)
                if _qq(text[s:e]) or (_CELL_HANDLE.fullmatch(text[s:e]) and not text[s:e].isdigit())
            ]
        return [RecognizerResult(ENTITY, s, e, 0.75) for s, e in sorted(set(spans))]


def _window(text: str, start: int, length: int = _WINDOW) -> int:
    """End of the window after a messenger's name: a fixed length, or the sentence's end."""
    end = min(len(text), start + length)
    stop = _SENTENCE_END.search(text, start, end)
    return stop.start() if stop else end


def _qq(cell: str) -> bool:
    return cell.isdigit() and 5 <= len(cell) <= 11 and cell[0] != "0"
