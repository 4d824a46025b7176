"""WeChat ids and QQ numbers, in context ("微信 chenxc_1988", "QQ 123456789").

A WeChat id (6-20 characters, a letter first) is an ordinary word out of context and a
QQ number is just digits, so both count only right after 微信 / WeChat / vx / QQ. In
English, "WeChat" must be followed by a separator or "id", so "WeChat support" stays.
"""

from __future__ import annotations

import re

import regex
from presidio_analyzer import Pattern, PatternRecognizer

GATE = re.compile(r"微信|wechat|weixin|vx|qq|v信", re.IGNORECASE)

_END = r"(?![A-Za-z0-9_-])"


def im_account_recognizer(language: str) -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="IM_ACCOUNT",
        name="ImAccountRecognizer",
        supported_language=language,
        patterns=[
            Pattern(
                "wechat_zh",
                r"(?<=(?:微信|v信)(?:号|id|账号)?\s*(?:是|为|[:：])?\s*"
                r"|(?<![A-Za-z])vx号?(?:\s*[:：是]\s*|\s+))"
                r"[A-Za-z][A-Za-z0-9_-]{5,19}" + _END,
                0.8,
            ),
            Pattern(
                "wechat_en",
                r"(?<=\b(?:wechat|weixin)(?:\s*(?:id|:)|\s+is)\s*:?\s*)"
                r"[A-Za-z][A-Za-z0-9_-]{5,19}" + _END,
                0.8,
            ),
            Pattern(
                "qq",
                r"(?<=\bqq\s*(?:号码|号|id|number|no\.?)?\s*(?:是|为|is|[:：])?\s*)"
                r"[1-9]\d{4,10}(?!\d)",
                0.8,
            ),
        ],
        global_regex_flags=regex.IGNORECASE | regex.ASCII,
    )
