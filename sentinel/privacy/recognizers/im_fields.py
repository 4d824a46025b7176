"""Messenger ids as the value of a field a messenger's name labels, in lower case too.

`im_account` reads "Signal" and "LINE" only capitalized, since "signal" and "line" are
everyday words, and knows the large messengers. People write contact fields as they
type, in lower case and for any messenger: "signal: the_k1ng39", "threema: 7XK2PQ9M",
"line = mika_0312", "kik: @dana.rey". A messenger's name followed by a colon
or "=" is a field label, not the word, when it opens a line, a clause or a list item
(after "," ";" "|" "/" or a bracket); its value is an id when it has an id's shape: a
handle of four characters or more, a letter first, with a digit, "_" or "." inside, or
an @ in front; Threema's 8-character id (capitals and digits). Numbers (a line number, a
phone), versions (v2.1), e-mail addresses and URLs are not read here.

The messengers are the instant messengers with user ids in wide use (Wikipedia's
"Comparison of instant messaging clients"): Signal, LINE, Threema, Wickr, ICQ, Kik, Zalo,
Viber, Telegram, Discord, Skype, Slack, Mattermost, Keybase, Jabber / XMPP, KakaoTalk,
WeChat, Snapchat; those whose name is an everyday label too (Wire, Element, Matrix,
Session, Teams) are left out, since "wire: ACME_LTD" is a bank transfer's field.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from sentinel.privacy.recognizers.gate import WordGate
from sentinel.privacy.recognizers.rules import RuleRecognizer

ENTITY = "IM_ACCOUNT"
_MESSENGERS = (
    "signal",
    "line",
    "threema",
    "wickr",
    "icq",
    "kik",
    "zalo",
    "viber",
    "telegram",
    "tg",
    "discord",
    "skype",
    "slack",
    "mattermost",
    "keybase",
    "jabber",
    "xmpp",
    "kakao",
    "kakaotalk",
    "wechat",
    "snapchat",
)
# The label as a plain substring: the name and its delimiter (with a space or not).
GATE = WordGate(f"{m}{sep}" for m in _MESSENGERS for sep in (":", " :", "=", "：", " id:"))
_LABEL = re.compile(
    rf"(?:^|(?<=[\n,;|/(\[（，；])|(?<=\\n))[^\S\n]*(?:{'|'.join(_MESSENGERS)})"
    r"(?:[^\S\n]?id)?[^\S\n]?[:=：][^\S\n]{0,3}",
    re.IGNORECASE | re.MULTILINE,
)
_VALUE = re.compile(
    r"@?[A-Za-z](?=[\w.-]*[\d_.])[\w.-]{2,30}[A-Za-z0-9](?:#\d{4})?"  # handle with 0-9 _ .
    r"|@[A-Za-z]\w{2,30}"  # @handle
    r"|[A-Z0-9](?=[A-Z]*\d)[A-Z0-9]{7}"  # Threema id
)
_NOT_ID = re.compile(r"[\w.-]*@[\w-]+\.[\w.]+|(?:https?:|www\.)\S*|[vV]?\d+(?:\.\d+)+\w*")
_RUN = re.compile(r"\S{0,80}")
_AFTER = re.compile(r"(?![\w@/:-])|(?=[:.]\s|[:.]$)")


class ImFieldRecognizer(RuleRecognizer):
    """An id of a messenger's shape after that messenger's name used as a field label."""

    ENTITY = ENTITY

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ENTITY not in entities:
            return []
        spans = []
        for label in _LABEL.finditer(text):
            value = _VALUE.match(text, label.end())
            if (
                value
                and _AFTER.match(text, value.end())
                and not _NOT_ID.fullmatch(text, value.start(), _word_end(text, value.end()))
            ):
                spans.append(value.span())
        return [RecognizerResult(ENTITY, s, e, 0.7) for s, e in spans]


def _word_end(text: str, end: int) -> int:
    """The end of the run of non-space characters the value starts (an e-mail's domain)."""
    return _RUN.match(text, end).end()  # type: ignore[union-attr]
